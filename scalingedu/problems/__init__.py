"""The graded problem sets: one module per problem-set notebook in solutions/.

Each module defines ``PROBLEM_SET`` (a :class:`scalingedu.grading.ProblemSet`) and the seeded data its learners
work with. :data:`PROBLEM_SETS` lists them all; :func:`scalingedu.grading.problem_set` looks one up by id.
"""
from . import power_laws

PROBLEM_SETS = (power_laws.PROBLEM_SET,)
