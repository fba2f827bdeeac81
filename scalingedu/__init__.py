"""scalingedu: the helper library of a Jupyter course on how foundation models scale.

Modules, one concept each: ``powerlaw`` (fitting power laws), ``compute`` (FLOPs, PF-days, time and cost),
``data`` (published reference figures with sources), ``plotting`` (the course style), ``widgets`` (one module per
lesson), ``grading`` (questions and instant checks), ``authoring`` (exercises from solutions), ``bench``.
"""
__version__ = "0.1.0"
