"""Data experiments: what dirty data and repeated data cost a lab model.

Both train the same model (width 64, 28k parameters) on the same number of tokens and change only the data:

- **Quality**: a fraction of the training characters is replaced by random symbols (validation stays clean). How
  much does 10 %, 20 %, 30 % or 40 % noise raise the validation loss?
- **Repetition**: the run sees only U unique characters, repeated for D/U epochs, against a run on D fresh
  characters. Muennighoff et al. 2023 (arXiv:2305.16264, abstract) found that up to about 4 epochs of repeated
  data change the loss negligibly compared with unique data, and that much more repetition makes extra compute
  nearly worthless. Does a tiny model on the standard library agree?

Every run records its learning curve. :data:`EXPERIMENT_DESIGN` fixes the settings; :func:`run_experiments` trains
them over both cores; the results ship as ``results/experiments.csv`` (one row per curve point; ``final`` = 1 marks
the end-of-run loss on the full validation set) and :func:`experiment_runs` regroups them per run.
"""
from __future__ import annotations

import argparse
import math
import os
import time
from dataclasses import asdict, dataclass

import numpy as np

from .. import _validate as v
from .corpus import check_corpus, load_corpus
from .model import ModelConfig
from .sweep import load_results, provenance, run_jobs, write_results

EXPERIMENT_COLUMNS = ("corruption", "epochs", "unique_tokens", "tokens", "val_loss", "final")


@dataclass(frozen=True)
class ExperimentDesign:
    """``width`` model trained on ``tokens`` characters with each ``corruptions`` fraction (fresh data) and with
    each ``epochs`` count of repetition (clean data); ``curve_points`` validation checks per run."""

    width: int = 64
    tokens: int = 2_097_152
    corruptions: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4)
    epochs: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)
    curve_points: int = 16
    seed: int = 0

    def runs(self) -> list[tuple[float, int]]:
        """(corruption, epochs) of every run; the clean one-epoch run is shared by both experiments."""
        runs = [(float(c), 1) for c in self.corruptions]
        runs += [(0.0, int(e)) for e in self.epochs if (0.0, int(e)) not in runs]
        return runs


EXPERIMENT_DESIGN = ExperimentDesign()


def _run_one(job):
    from .training import train

    index, design, corruption, epochs, corpus_hash = job
    corpus = check_corpus(corpus_hash)
    result = train(ModelConfig(design.width), design.tokens, seed=design.seed, corruption=corruption,
                   unique_tokens=design.tokens // epochs, curve_points=design.curve_points, corpus=corpus)
    rows = [(corruption, result.epochs, result.unique_tokens, t, loss, 0)
            for t, loss in zip(result.curve_tokens, result.curve_val_loss)]
    rows.append((corruption, result.epochs, result.unique_tokens, result.tokens, result.val_loss, 1))
    return index, rows


def run_experiments(design: ExperimentDesign = EXPERIMENT_DESIGN, *, processes: int | None = None,
                    progress: bool = True) -> dict[str, np.ndarray]:
    """Train every run of ``design`` over worker processes; return the columns of :data:`EXPERIMENT_COLUMNS`."""
    if not isinstance(design, ExperimentDesign):
        raise TypeError(f"design must be an ExperimentDesign, not {type(design).__name__}")
    corpus = load_corpus()
    jobs = [(i, design, c, e, corpus.hash) for i, (c, e) in enumerate(design.runs())]
    results = run_jobs(_run_one, jobs, processes=processes, desc="data experiments", progress=progress)
    rows = [row for run in results for row in run]
    return {name: np.array([row[k] for row in rows], dtype=np.int64 if name in ("unique_tokens", "final") else float)
            for k, name in enumerate(EXPERIMENT_COLUMNS)}


@dataclass(frozen=True, eq=False)
class ExperimentRun:
    """One run of the data experiments: its setting, learning curve and final validation loss."""

    corruption: float
    epochs: float
    unique_tokens: int
    curve_tokens: np.ndarray
    curve_val_loss: np.ndarray
    tokens: int
    val_loss: float


def experiment_runs(columns: dict[str, np.ndarray] | None = None) -> list[ExperimentRun]:
    """The shipped (or given) experiment results regrouped into one :class:`ExperimentRun` per run."""
    data = load_results("experiments") if columns is None else columns
    keys = sorted(set(zip(data["corruption"].tolist(), data["epochs"].tolist())))
    runs = []
    for corruption, epochs in keys:
        rows = (data["corruption"] == corruption) & (data["epochs"] == epochs)
        curve = rows & (data["final"] == 0)
        final = np.flatnonzero(rows & (data["final"] == 1))
        if final.size != 1:
            raise ValueError(f"the experiment run with corruption {corruption} and {epochs} epochs has "
                             f"{final.size} final rows (expected 1)")
        runs.append(ExperimentRun(corruption=corruption, epochs=epochs,
                                  unique_tokens=int(data["unique_tokens"][final[0]]),
                                  curve_tokens=data["tokens"][curve], curve_val_loss=data["val_loss"][curve],
                                  tokens=int(data["tokens"][final[0]]), val_loss=float(data["val_loss"][final[0]])))
    return runs


def quality_runs(runs: list[ExperimentRun] | None = None) -> list[ExperimentRun]:
    """The one-epoch runs, by increasing corruption (the data-quality experiment)."""
    runs = experiment_runs() if runs is None else runs
    return sorted((r for r in runs if round(r.epochs) == 1), key=lambda r: r.corruption)


def repetition_runs(runs: list[ExperimentRun] | None = None) -> list[ExperimentRun]:
    """The clean runs, by increasing number of epochs (the repetition experiment; 1 epoch = fresh data)."""
    runs = experiment_runs() if runs is None else runs
    return sorted((r for r in runs if r.corruption == 0), key=lambda r: r.epochs)


def nearest_run(runs: list[ExperimentRun], value: float, setting: str) -> ExperimentRun:
    """The run whose ``setting`` ("corruption" or "epochs") is nearest to ``value`` (epochs: nearest
    in log)."""
    v.one_of("setting", setting, {"corruption", "epochs"})
    if not runs:
        raise ValueError("runs is empty: give at least one experiment run")
    target = float(v.positive("value", value, allow_zero=setting == "corruption"))
    if setting == "epochs":
        return min(runs, key=lambda run: abs(math.log(run.epochs) - math.log(target)))
    return min(runs, key=lambda run: abs(run.corruption - target))


def fresh_equivalent_tokens(run: ExperimentRun, fresh: ExperimentRun) -> float:
    """How many fresh characters the ``fresh`` run needed to reach ``run``'s final loss (log-linear interpolation
    along its learning curve): the value of ``run``'s data measured in fresh data. Raises ValueError if ``run``'s
    loss lies outside the fresh curve's range. An upper bound, roughly: midway through the fresh run the learning
    rate has not decayed yet, and a separately trained shorter run would reach a slightly lower loss."""
    tokens = np.append(fresh.curve_tokens, fresh.tokens)
    losses = np.append(fresh.curve_val_loss, fresh.val_loss)
    # the curve falls, apart from noise: its running minimum is the best loss reached by each point
    best = np.minimum.accumulate(losses)
    if not best[-1] <= run.val_loss <= best[0]:
        raise ValueError(f"the run's loss {run.val_loss:.4f} lies outside the fresh curve's range "
                         f"[{best[-1]:.4f}, {best[0]:.4f}]: no fresh run of this length reaches it")
    index = int(np.argmax(best <= run.val_loss))
    if index == 0:
        return float(tokens[0])
    low, high = best[index - 1], best[index]
    weight = 0.0 if low == high else (low - run.val_loss) / (low - high)
    return float(np.exp(np.log(tokens[index - 1]) + weight * (np.log(tokens[index]) - np.log(tokens[index - 1]))))


def muennighoff_effective_tokens(unique_tokens, epochs, half_life=None):
    """Muennighoff et al. 2023's effective data D' = U + U·R*·(1 - exp(-R/R*)) with R = epochs - 1 repetitions
    (their Eq. for D', with the fitted R_D* ≈ 15.4 of :data:`scalingedu.data.MUENNIGHOFF_2023_FIT`)."""
    from ..data import MUENNIGHOFF_2023_FIT

    unique = v.positive("unique_tokens", unique_tokens)
    count = v.in_range("epochs", epochs, 1.0, np.inf)
    r_star = float(v.positive("half_life", MUENNIGHOFF_2023_FIT["rd_star"]
                              if half_life is None else half_life))
    repeats = count - 1.0
    return v.scalar_or_array(unique + unique * r_star * (1.0 - np.exp(-repeats / r_star)), unique_tokens, epochs)


def main(argv=None) -> int:
    """``python -m scalingedu.lab.experiments --out FILE.csv``: run the data experiments, write CSV + provenance."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    columns = run_experiments()
    seconds = time.perf_counter() - start
    meta = provenance(_as_sweep_like(), seconds=seconds, processes=os.cpu_count() or 1,
                      command=f"python -m scalingedu.lab.experiments --out {os.path.basename(args.out)}")
    meta["design"] = asdict(EXPERIMENT_DESIGN)
    write_results(columns, args.out, meta)
    print(f"{len(EXPERIMENT_DESIGN.runs())} runs in {seconds:.1f} s; wrote {args.out}")
    return 0


def _as_sweep_like():
    from .sweep import FULL_SWEEP, SweepDesign

    return SweepDesign(**{**asdict(FULL_SWEEP), "seed": EXPERIMENT_DESIGN.seed})


if __name__ == "__main__":
    raise SystemExit(main())
