"""The graded problem sets: one module per lesson that has one, named by the lesson's slug.

``scalingedu/problems/<slug>.py`` defines ``PROBLEM_SET`` (a :class:`scalingedu.grading.ProblemSet` with id
``<slug>``), its questions (written with :mod:`scalingedu.grading.factories`) and the seeded data its learners
work with. The lesson registry (:mod:`scalingedu.lessons`) lists which lessons have one;
:func:`scalingedu.grading.problem_sets` and :func:`scalingedu.grading.problem_set` look them up.
"""
