"""scalingedu: the helper library of a Jupyter course on how foundation models scale.

The subject, one concept per module: ``powerlaw`` (fitting power laws), ``compute`` (FLOPs, PF-days, hardware,
time, cost and energy), ``transformer`` (parameter and FLOP counts from a model's shape), ``laws`` (Kaplan and
Chinchilla laws, compute-optimal allocation, IsoFLOP profiles, fitting), ``lab`` (the tiny-model scaling lab),
``parallelism`` (memory, communication, pipeline schedules, step time), ``moe`` (Mixture-of-Experts), ``returns``
(diminishing returns), ``planning`` (the capstone's run planner) and ``wordfreq`` (Zipf's law on real text).

Around it: ``data`` (published figures, one module per source), ``formatting`` (numbers with units, tables),
``plotting`` (the course style), ``lessons`` (the lesson registry), ``widgets`` (one module per lesson, drawing
only), ``grading`` and ``problems`` (graded questions, one problem set per lesson), and ``tools`` (the
``scalingedu`` command: exercises, README table, execute, bench, export). CONTRIBUTING.md says how to add to each.
"""
__version__ = "0.1.0"
