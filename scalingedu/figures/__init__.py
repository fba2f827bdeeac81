"""Static figures of the lessons, one module per lesson (``scalingedu.figures.<slug>``).

A lesson's cells read as its argument: a figure that takes more than a few lines of matplotlib is drawn by a
function here (numbers from the subject modules and ``scalingedu.data`` in, a ``matplotlib.figure.Figure`` out, with
units on every axis), and the lesson calls it in one line. Widgets live in ``scalingedu.widgets``; this package holds
no model code and no widget.
"""

from ..plotting import install_alt_text

install_alt_text()   # lessons import their figures after %matplotlib inline: store each description as alt text
