"""Settings for the whole test run."""
import os

# Every figure drawn while testing (figure functions, widgets, and the lessons, solutions and exercises that nbval
# runs in kernels started from this process) is checked for legends told apart by colour alone: see
# scalingedu.plotting.CHECK_COLOUR_VARIABLE.
os.environ["SCALINGEDU_CHECK_COLOUR"] = "1"
