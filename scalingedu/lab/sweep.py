"""IsoFLOP sweeps: train every model size at every compute budget, on both cores, and keep the results with their
provenance.

An IsoFLOP design (Hoffmann et al. 2022, §3.2, Approach 2) fixes a few compute budgets C and, at each, trains
models of several sizes N on D = C / (6N) tokens, so that every run of a budget costs the same compute. The loss
against N at one budget is its IsoFLOP profile; its minimum is the compute-optimal size for that budget.

:data:`FULL_SWEEP` is the design whose results ship with the package (``results/sweep.csv`` and its provenance
``results/sweep.json``; :func:`load_results`); :data:`QUICK_SWEEP` is a small version for a quick look. Runs are
independent, so they are spread over worker processes (one BLAS thread each: the lab's matrices are too small for
BLAS threads to pay off, while two processes double the throughput). Each run's result depends only on its design
and seed, never on which process ran it or in what order, so the same seed on the same machine reproduces every
loss bit for bit. Different machines may differ in the last bits (BLAS kernels differ), and a different Python
has a different corpus: the corpus hash in the provenance says which text the runs were trained on.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import json
import multiprocessing
import os
import platform
import time
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from .. import _validate as v
from .corpus import check_corpus, load_corpus
from .flops import six_nd
from .model import ModelConfig
from .processes import single_threaded_blas
from .training import DEFAULT_BATCH, train

COLUMNS = ("budget", "width", "params", "tokens", "steps", "batch", "flops", "flops_counted", "learning_rate",
           "seed", "val_loss", "train_loss", "seconds")
"""Columns of a sweep CSV: the nominal ``budget`` and ``flops`` = 6·N·D of the run as trained (D is rounded down
to whole steps), the exact ``flops_counted``, the losses in nats per character, the wall-clock ``seconds``."""
_INTEGER_COLUMNS = {"width", "params", "tokens", "steps", "batch", "flops_counted", "seed", "unique_tokens", "final"}
SWEEP_REQUIRED = ("params", "tokens", "flops", "val_loss")


@dataclass(frozen=True)
class SweepDesign:
    """An IsoFLOP grid: ``widths`` models (``depth`` layers) at ``budgets`` FLOPs (C = 6·N·D).

    With ``window`` = 0 every width is trained at every budget. With ``window`` = k, the i-th smallest budget
    trains the k widths starting at the i-th smallest, so each budget samples sizes around where its optimum is
    expected and larger budgets move to larger models, as Hoffmann et al. 2022 (§3.2) chose their ranges; no
    model is then trained thousands of tokens per parameter past its capacity."""

    budgets: tuple[float, ...]
    widths: tuple[int, ...]
    window: int = 0
    depth: int = 2
    context: int = 16
    embedding: int = 16
    batch: int = DEFAULT_BATCH
    seed: int = 0
    seeds: int = 1
    """How many initialisation seeds train every run: ``seed``, ``seed`` + 1, …, ``seed`` + ``seeds`` - 1. With more
    than one, the spread of the losses of one (budget, width) is the seed noise of that run: its error bar."""

    def __post_init__(self):
        budgets = v.positive("budgets", self.budgets)
        if budgets.ndim != 1 or np.unique(budgets).size != budgets.size:
            raise ValueError(f"budgets must be distinct FLOP counts, one per budget (got {self.budgets})")
        if not self.widths or len(set(self.widths)) != len(self.widths):
            raise ValueError(f"widths must be distinct positive whole numbers (got {self.widths})")
        for width in self.widths:
            v.positive_int("widths", width)
        v.positive_int("seed", self.seed, minimum=0)
        v.positive_int("seeds", self.seeds, minimum=1, maximum=100)
        v.positive_int("window", self.window, minimum=0, maximum=len(self.widths))
        if self.window and len(self.widths) < self.window + len(self.budgets) - 1:
            raise ValueError(f"window = {self.window} over {len(self.budgets)} budgets needs at least "
                             f"{self.window + len(self.budgets) - 1} widths (got {len(self.widths)})")

    def widths_at(self, rank: int) -> tuple[int, ...]:
        """The widths trained at the ``rank``-th smallest budget (0 = the smallest)."""
        ordered = tuple(sorted(self.widths))
        return ordered[rank:rank + self.window] if self.window else ordered

    def seed_values(self) -> tuple[int, ...]:
        """The seeds every run is trained with."""
        return tuple(range(self.seed, self.seed + self.seeds))

    def config(self, width: int) -> ModelConfig:
        return ModelConfig(width=width, depth=self.depth, context=self.context, embedding=self.embedding)

    def runs(self) -> list[tuple[float, int, int]]:
        """(budget, width, tokens) of every run, budgets ascending, widths ascending within a budget."""
        specs = []
        for rank, budget in enumerate(sorted(self.budgets)):
            for width in self.widths_at(rank):
                tokens = int(budget / six_nd(self.config(width).params, 1)) // self.batch * self.batch
                if tokens < self.batch:
                    raise ValueError(f"budget {budget:.3g} FLOPs is too small for width {width}: it buys fewer "
                                     f"than one batch of {self.batch} tokens")
                specs.append((float(budget), int(width), tokens))
        return specs


FULL_SWEEP = SweepDesign(budgets=(3e10, 9e10, 2.7e11, 8.1e11), widths=(16, 24, 32, 48, 64, 96, 128, 192),
                         window=5)
"""The shipped sweep: 4 budgets a factor 3 apart × 5 widths each (a window sliding up the 8 widths, 7.6k to
103k parameters), centred on the optima a pilot sweep of every width at every budget found."""
QUICK_SWEEP = SweepDesign(budgets=(1e10, 3e10, 9e10), widths=(16, 24, 32, 48, 64), window=3)
"""A small sweep that finishes in seconds: 3 budgets × 3 widths (the window sliding up as in :data:`FULL_SWEEP`),
the three smaller budgets of a factor-3 ladder, so that Approach 2 can be fitted to it. Three sizes per budget
and one seed per run: its exponent is a rough first look, not a measurement (compare the shipped sweep)."""


def _run_one(job):
    """Worker: train one run of the design (called in a fresh process with one BLAS thread)."""
    index, design, budget, width, tokens, seed, corpus_hash = job
    corpus = check_corpus(corpus_hash)
    result = train(design.config(width), tokens, batch=design.batch, seed=seed, corpus=corpus)
    row = {"budget": budget, "width": width, "params": result.params, "tokens": result.tokens,
           "steps": result.steps, "batch": result.batch, "flops": result.flops,
           "flops_counted": result.flops_counted, "learning_rate": result.learning_rate, "seed": result.seed,
           "val_loss": result.val_loss, "train_loss": result.train_loss, "seconds": result.seconds}
    return index, row


def run_jobs(worker, jobs: list, *, processes: int | None, desc: str, progress: bool) -> list:
    """``worker(job)`` for every job, over ``processes`` spawned worker processes (default: one per core), each
    with one BLAS thread; a ``tqdm.auto`` bar titled ``desc`` counts finished jobs.

    Each job starts with its index ``i`` (0 to len(jobs) - 1, in any order in ``jobs``) and ``worker`` returns
    ``(i, result)``: the results come back as a list in index order, whichever process finished first.
    """
    from tqdm.auto import tqdm

    workers = v.positive_int("processes", (os.cpu_count() or 1) if processes is None else processes, maximum=64)
    results: list = [None] * len(jobs)
    spawn = multiprocessing.get_context("spawn")
    with (single_threaded_blas(), spawn.Pool(min(workers, len(jobs))) as pool,
          tqdm(total=len(jobs), unit="run", desc=desc, disable=not progress) as bar):
        for index, result in pool.imap_unordered(worker, jobs):
            results[index] = result
            bar.update(1)
    return results


def run_design(design: SweepDesign, *, processes: int | None = None, progress: bool = True) -> dict[str, np.ndarray]:
    """Train every run of ``design`` with each of its seeds and return the columns of :data:`COLUMNS` as arrays
    (rows in design order, the seeds of a run next to each other).

    Runs go to ``processes`` worker processes (default: one per core, at most 2 per the design's needs), the most
    expensive first so that the cores finish together; a ``tqdm.auto`` bar counts finished runs.
    """
    if not isinstance(design, SweepDesign):
        raise TypeError(f"design must be a SweepDesign, not {type(design).__name__}")
    corpus = load_corpus()
    specs = design.runs()
    runs = [(budget, width, tokens, seed) for budget, width, tokens in specs for seed in design.seed_values()]
    jobs = [(index, design, *run, corpus.hash) for index, run in enumerate(runs)]
    jobs.sort(key=lambda job: -job[2])          # equal budgets cost alike; the biggest budgets go first
    rows = run_jobs(_run_one, jobs, processes=processes, desc="IsoFLOP sweep", progress=progress)
    return {name: np.array([row[name] for row in rows], dtype=np.int64 if name in _INTEGER_COLUMNS else float)
            for name in COLUMNS}


# --- files: CSV of results and JSON of provenance -------------------------------------------------------------------

def provenance(design: SweepDesign, *, seconds: float, processes: int, command: str) -> dict:
    """Where results came from: corpus hash and description, versions, seed, design, date, machine, command."""
    corpus = load_corpus()
    return {"corpus_hash": corpus.hash, "corpus": corpus.describe(), "python": platform.python_version(),
            "numpy": np.__version__, "seed": design.seed, "design": asdict(design),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
            "processes": processes, "seconds": round(seconds, 1), "command": command}


def write_results(columns: dict[str, np.ndarray], path, meta: dict | None = None) -> Path:
    """Write ``columns`` as a CSV at ``path`` and, if given, ``meta`` as JSON beside it (same name, .json)."""
    target = Path(path)
    names = list(columns)
    with target.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for row in zip(*(columns[name] for name in names)):
            writer.writerow([repr(float(x)) if isinstance(x, (float, np.floating)) else int(x) for x in row])
    if meta is not None:
        target.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    return target


def read_results(path, required=SWEEP_REQUIRED) -> dict[str, np.ndarray]:
    """A results CSV as a mapping of column name to NumPy array (integers where the column holds counts).

    ``required`` lists the columns that must be present (by default those of a sweep)."""
    target = Path(path)
    if not target.is_file():
        raise ValueError(f"path {str(target)!r} is not a file; give a CSV written by `scalingedu sweep`")
    with target.open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        body = list(reader)
    missing = set(required) - set(header or ())
    if missing:
        raise ValueError(f"{str(target)!r} lacks the column(s) {sorted(missing)}: not a results CSV of the lab")
    if not body:
        raise ValueError(f"{str(target)!r} holds no runs")
    values = list(zip(*body))
    return {name: np.array(column, dtype=float).astype(np.int64) if name in _INTEGER_COLUMNS
            else np.array(column, dtype=float) for name, column in zip(header, values)}


def load_results(name: str = "sweep") -> dict[str, np.ndarray]:
    """The shipped results ``results/<name>.csv`` (default: the full IsoFLOP sweep) as column name -> array.

    Columns include ``params``, ``tokens``, ``flops`` (6·N·D), ``val_loss`` (nats per character), ``budget``,
    ``width`` and ``seed``; :func:`load_provenance` says how, when and on which corpus they were made.
    ``"sweep_seeds"`` is the same design trained with seeds 0, 1 and 2 (three runs per budget and width: the
    seed-0 runs are those of ``"sweep"``, retrained), for error bars; ``"experiments"`` the data experiments.
    """
    v.one_of("name", name, _shipped_names())
    with resources.as_file(resources.files(__package__) / "results" / f"{name}.csv") as path:
        return read_results(path, SWEEP_REQUIRED if name.startswith("sweep") else ("tokens", "val_loss"))


def load_provenance(name: str = "sweep") -> dict:
    """The provenance JSON of the shipped results ``name``: corpus hash, versions, seed, date, command."""
    v.one_of("name", name, _shipped_names())
    return json.loads((resources.files(__package__) / "results" / f"{name}.json").read_text())


def _shipped_names() -> set[str]:
    folder = resources.files(__package__) / "results"
    return {entry.name[:-4] for entry in folder.iterdir() if entry.name.endswith(".csv")}


# --- command line ---------------------------------------------------------------------------------------------------

def add_sweep_command(subparsers) -> argparse.ArgumentParser:
    """Register ``scalingedu sweep [--quick] --out FILE.csv [--processes P] [--seed S] [--seeds K]``."""
    parser = subparsers.add_parser("sweep", help="train an IsoFLOP sweep of tiny language models on this CPU",
                                   description="Train every model size of the lab's IsoFLOP design at every "
                                               "budget and write the losses to a CSV (plus provenance JSON).")
    parser.add_argument("--quick", action="store_true", help="a small sweep that finishes in seconds")
    parser.add_argument("--out", required=True, help="CSV file to write (its provenance goes to FILE.json)")
    parser.add_argument("--processes", type=int, default=None, help="worker processes (default: one per core)")
    parser.add_argument("--seed", type=int, default=0, help="initialisation seed (default 0)")
    parser.add_argument("--seeds", type=int, default=1,
                        help="train every run with K seeds, S to S+K-1, to measure the seed noise (default 1)")
    parser.set_defaults(handler=run_sweep)
    return parser


def run_sweep(args: argparse.Namespace) -> int:
    """Run the sweep the parsed ``args`` ask for, write the CSV and its provenance, print a summary; return 0."""
    base = QUICK_SWEEP if getattr(args, "quick", False) else FULL_SWEEP
    seed = getattr(args, "seed", 0) or 0
    seeds = getattr(args, "seeds", 1) or 1
    design = SweepDesign(**{**asdict(base), "seed": seed, "seeds": seeds})
    out = Path(args.out)
    if out.suffix.lower() != ".csv":
        raise ValueError(f"--out must name a .csv file (got {str(out)!r})")
    if not out.parent.is_dir():    # say so before minutes of training, not after
        raise ValueError(f"--out names a file in {str(out.parent)!r}, which is not a folder")
    workers = getattr(args, "processes", None) or (os.cpu_count() or 1)
    start = time.perf_counter()
    columns = run_design(design, processes=workers, progress=True)
    seconds = time.perf_counter() - start
    command = ("scalingedu sweep" + (" --quick" if base is QUICK_SWEEP else "") + f" --seed {seed}"
               + (f" --seeds {seeds}" if seeds > 1 else "") + f" --out {out.name}")
    write_results(columns, out, provenance(design, seconds=seconds, processes=workers, command=command))
    print(f"{len(columns['val_loss'])} runs in {seconds:.1f} s; wrote {out} and {out.with_suffix('.json')}")
    print()
    print(sweep_summary(columns))
    return 0


def sweep_summary(columns: dict[str, np.ndarray]) -> str:
    """What a sweep found, as text: each budget's runs (mean loss over seeds, and their spread when there are
    several), Approach 2's minima and exponent, and the Chinchilla law fitted to every run (Approach 3), or the
    reason a fit was not possible."""
    from ..formatting import human, table
    from ..laws.fitting import fit_chinchilla, fit_isoflop_parabolas

    rows = []
    for budget in np.unique(columns["budget"]):
        for width in np.unique(columns["width"][columns["budget"] == budget]):
            same = (columns["budget"] == budget) & (columns["width"] == width)
            losses = columns["val_loss"][same]
            spread = float(np.std(losses, ddof=1)) if losses.size > 1 else None
            rows.append((budget, int(width), int(columns["params"][same][0]), int(columns["tokens"][same][0]),
                         losses.size, float(losses.mean()), spread))
    several = any(row[-1] is not None for row in rows)
    if several:
        text = table(rows, ["budget C", "width", "params N", "chars D", "seeds", "mean val loss", "seed s.d."],
                     formats=["{:.2g}".format, "d", ",d", human, "d", ".4f", ".4f"])
    else:
        text = table([row[:4] + row[5:6] for row in rows], ["budget C", "width", "params N", "chars D", "val loss"],
                     formats=["{:.2g}".format, "d", ",d", human, ".4f"])
    lines = [text, ""]
    params, flops, loss = columns["params"], columns["flops"], columns["val_loss"]
    try:
        fit = fit_isoflop_parabolas(params, flops, loss)
    except ValueError as error:
        lines.append(f"Approach 2 (IsoFLOP parabolas): no fit: {error}")
    else:
        for c, n, d, inside in zip(fit.flops, fit.params, fit.tokens, fit.inside_sampled_range):
            lines.append(f"  C = {c:.2g} FLOPs: N_opt = {human(n)} parameters, D_opt/N_opt = {d / n:.1f}"
                         + ("" if inside else " (outside the sizes trained: an extrapolation)"))
        lines.append(f"Approach 2 (IsoFLOP parabolas): N_opt ∝ C^{fit.a:.3f}, D_opt ∝ C^{fit.b:.3f}")
    try:
        law = fit_chinchilla(params, columns["tokens"], loss)
    except ValueError as error:
        lines.append(f"Approach 3 (fit_chinchilla): no fit: {error}")
    else:
        lines.append(f"Approach 3 (fit_chinchilla): L(N, D) = {law.E:.3f} + {law.A:.4g}/N^{law.alpha:.3f} + "
                     f"{law.B:.4g}/D^{law.beta:.3f} nats/char, so N_opt ∝ C^{law.params_exponent:.3f}")
    if not several:
        lines.append("One seed per run: rerun with --seeds 3 to see how much of this is seed noise.")
    return "\n".join(lines)
