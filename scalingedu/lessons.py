"""The lesson registry: one record per lesson, and the one name (the slug) each lesson goes by.

A lesson's slug names every piece of it::

    notebooks/NN_<slug>.ipynb          the lesson
    scalingedu/widgets/<slug>.py       its widgets (``WIDGETS``)
    scalingedu/problems/<slug>.py      its problem set (``PROBLEM_SET``, id ``<slug>``), if it has one
    solutions/NN_<slug>.ipynb          the problem set with worked solutions
    exercises/NN_<slug>.ipynb          the learner's copy, generated from the solution
    "<slug>.<name>"                    the id of each of its questions

Everything that walks over the lessons reads :data:`LESSONS`: the README's lesson table
(``scalingedu build-readme``), the notebook, widget and problem-set tests, ``scalingedu bench`` and
``scalingedu export``. A test fails when a lesson's files exist without an entry here, or an entry's files are
missing. To add a lesson, follow CONTRIBUTING.md.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from ._text import prose

SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Lesson:
    """One lesson: its number, slug, title, what the learner does in it, and whether it has a problem set.

    ``minutes`` is (core, deep dives): the minutes of the lesson's core path and of its optional deep dives, as the
    notebook's Time line declares them (``scalingedu/tools/pacing.py``; tests/test_pacing.py keeps the two equal).

    ``legacy_prefix`` is the question-id prefix this lesson's problem set used before ids were named by slug
    (``"pl"`` for ``pl.halving``); notebooks saved with the old ids still check and grade.
    """

    number: int
    slug: str
    title: str
    topic: str
    you_will: str
    minutes: tuple[int, int]
    has_problem_set: bool = True
    legacy_prefix: str | None = None

    def __post_init__(self):
        if not isinstance(self.number, int) or not 0 <= self.number <= 99:
            raise ValueError(f"lesson number must be an integer from 0 to 99, got {self.number!r}")
        if not isinstance(self.slug, str) or not SLUG.match(self.slug):
            raise ValueError(f"lesson slug must be lower case letters, digits and '_', got {self.slug!r}")
        for name in ("topic", "you_will"):   # written as triple-quoted prose below
            object.__setattr__(self, name, prose(getattr(self, name)))
        core, deep = self.minutes
        if not (isinstance(core, int) and isinstance(deep, int) and core > 0 and deep >= 0):
            raise ValueError(f"minutes of lesson {self.slug} must be (core, deep dives) in whole minutes, core > 0 "
                             f"and deep dives >= 0, got {self.minutes!r}")

    @property
    def stem(self) -> str:
        """The file name shared by the lesson, its solution and its exercise, without ``.ipynb``."""
        return f"{self.number:02d}_{self.slug}"

    @property
    def notebook(self) -> str:
        return f"notebooks/{self.stem}.ipynb"

    @property
    def solution(self) -> str | None:
        return f"solutions/{self.stem}.ipynb" if self.has_problem_set else None

    @property
    def exercise(self) -> str | None:
        return f"exercises/{self.stem}.ipynb" if self.has_problem_set else None

    @property
    def widget_module_name(self) -> str:
        return f"scalingedu.widgets.{self.slug}"

    @property
    def problem_module_name(self) -> str | None:
        return f"scalingedu.problems.{self.slug}" if self.has_problem_set else None

    def widget_module(self) -> ModuleType:
        return importlib.import_module(self.widget_module_name)

    def widget_classes(self) -> tuple[type, ...]:
        """The lesson's widget classes, as its module lists them in ``WIDGETS``."""
        return tuple(self.widget_module().WIDGETS)

    def problem_module(self) -> ModuleType | None:
        name = self.problem_module_name
        return importlib.import_module(name) if name else None

    def files(self) -> tuple[str, ...]:
        """Every file of the lesson, relative to the course checkout."""
        found = [self.notebook, f"scalingedu/widgets/{self.slug}.py"]
        if self.has_problem_set:
            found += [self.solution, self.exercise, f"scalingedu/problems/{self.slug}.py"]
        return tuple(found)


LESSONS: tuple[Lesson, ...] = (
    Lesson(0, "start_here", "Start here", minutes=(31, 0), has_problem_set=False,
           topic="how the course works",
           you_will="""
               check your set-up; place your own model among GPT-3, Chinchilla, Llama and DeepSeek-V3 on the 6ND
               compute map
           """),
    Lesson(1, "power_laws", "Power laws", minutes=(45, 5), legacy_prefix="pl",
           topic="power laws and log–log plots",
           you_will="""
               fit Zipf's law to real text, read Kaplan's exponents, see why an irreducible-loss floor bends the
               line, and learn how far a fit may be extrapolated
           """),
    Lesson(2, "compute_budgets", "Compute budgets", minutes=(45, 15), legacy_prefix="cb",
           topic="FLOPs and 6ND, counting a transformer's parameters, PF-days, accelerators, MFU, time, cost, energy",
           you_will="""
               recompute GPT-3's 3,640 PF-days, count Llama 3's parameters from its shape, read the utilisation
               behind Llama's and DeepSeek-V3's GPU-hours, and plan a run with the training-run calculator
           """),
    Lesson(3, "kaplan_laws", "Kaplan's scaling laws", minutes=(45, 25), legacy_prefix="kl",
           topic="L(N), L(D), L(C), L(N, D) and Kaplan's allocation",
           you_will="""
               read what each constant means, find where a model becomes data-limited, and see why Kaplan's
               allocation favoured big models
           """),
    Lesson(4, "chinchilla", "Chinchilla", minutes=(45, 27), legacy_prefix="ch",
           topic="IsoFLOP profiles, the three approaches, the closed form, the Epoch replication",
           you_will="""
               fit the law with Hoffmann's robust method, compare Gopher and Chinchilla at equal compute, test "20
               tokens per parameter" and "2.5x the data", and place Llama 3 against the compute-optimal line
           """),
    Lesson(5, "scaling_lab", "The scaling lab", minutes=(44, 25), legacy_prefix="lab",
           topic="train tiny language models on your CPU, fit your own law",
           you_will="""
               train a character-level model live, draw IsoFLOP profiles from 20 shipped runs, fit Approaches 2 and
               3 (your own exponent a with a bootstrap interval), measure your own MFU, and see what corrupted and
               repeated data cost
           """),
    Lesson(6, "parallelism", "Parallelism", minutes=(44, 29), legacy_prefix="par",
           topic="data, tensor, pipeline, ZeRO/FSDP: memory, communication, schedules",
           you_will="""
               fit GPT-3 175B to Llama 3 405B on a cluster with the planner, watch pipeline bubbles in GPipe and
               1F1B timelines, and run real data parallelism over two processes on your CPU
           """),
    Lesson(7, "mixture_of_experts", "Mixture-of-Experts", minutes=(45, 9), legacy_prefix="moe",
           topic="routing, capacity, load balancing, expert parallelism",
           you_will="""
               count Mixtral's and DeepSeek-V3's total and active parameters, route tokens with a capacity limit,
               watch a router collapse and the balancing loss or DeepSeek-V3's bias cure it
           """),
    Lesson(8, "diminishing_returns", "Diminishing returns", minutes=(44, 41), legacy_prefix="returns",
           topic="the frontier, data limits, inference cost, test-time compute, emergence",
           you_will="""
               price the next 0.1 nats, repeat data with Muennighoff's law, shrink a model for its inference
               demand, and see emergence appear from a change of metric
           """),
    Lesson(9, "capstone", "The capstone", minutes=(45, 2), legacy_prefix="cap",
           topic="plan a frontier training run",
           you_will="""
               from a budget, an accelerator, a deadline, a data limit and an inference demand to a model, a layout
               that fits, time, cost and expected loss, with every choice explained
           """),
    Lesson(10, "hyperparameters", "Hyperparameters at scale", minutes=(43, 9), legacy_prefix="hp",
           topic="µP and learning-rate transfer, the critical batch size, warmup-stable-decay schedules",
           you_will="""
               watch the best learning rate drift with width under the standard parametrisation and stay nearly put
               under µP, measure the critical batch size and the gradient noise scale, and branch one WSD run into
               a scaling curve, all from tiny models trained on a CPU
           """),
)


def lessons_with_problem_sets() -> tuple[Lesson, ...]:
    return tuple(each for each in LESSONS if each.has_problem_set)


def lesson(key: str | int) -> Lesson:
    """The lesson with this slug (``"chinchilla"``), stem (``"04_chinchilla"``) or number (4).

    ValueError listing the slugs when there is none.
    """
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        raise TypeError(f"a lesson is named by its slug, stem or number, not {type(key).__name__}")
    for each in LESSONS:
        if key in (each.slug, each.stem, each.number):
            return each
    raise ValueError(f"unknown lesson {key!r}; the lessons are: {', '.join(each.slug for each in LESSONS)}")


def slug_for_question_prefix(prefix: str) -> str:
    """The slug a question-id prefix stands for: the slug itself, or the lesson whose ``legacy_prefix`` it is."""
    for each in LESSONS:
        if prefix in (each.slug, each.legacy_prefix):
            return each.slug
    return prefix


def course_root(start: Path | None = None) -> Path | None:
    """The course checkout (a folder holding ``notebooks/`` and ``solutions/``).

    Looked for in ``start`` (default: the current folder) and its parents, then beside the installed package;
    None when there is none (an installed package without its checkout).
    """
    here = Path(start or Path.cwd()).resolve()
    beside = Path(__file__).resolve().parent.parent
    for folder in (here, *here.parents, beside):
        if (folder / "solutions").is_dir() and (folder / "notebooks").is_dir():
            return folder
    return None
