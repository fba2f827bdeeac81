"""The graded problem sets: one module per problem-set notebook in solutions/.

Each module defines ``PROBLEM_SET`` (a :class:`scalingedu.grading.ProblemSet`) and the seeded data its learners
work with. :data:`PROBLEM_SETS` lists them all, found by looking through this package, ordered by id;
:func:`scalingedu.grading.problem_set` looks one up by id.
"""
import importlib
import pkgutil


def _discover():
    found = []
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        if hasattr(module, "PROBLEM_SET"):
            found.append(module.PROBLEM_SET)
    return tuple(sorted(found, key=lambda problem_set: problem_set.id))


PROBLEM_SETS = _discover()
