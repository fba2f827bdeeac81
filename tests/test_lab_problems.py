"""Problem set 05 (the scaling lab): right answers earn every point, typical mistakes fail a public check, the
seed replicates and the simulated class sweep are what the statements say, and three typical mistakes graded as
submissions score what they deserve."""
from __future__ import annotations

import math

import numpy as np
import pytest
from typical_mistakes import Mistake, grade_mistakes

from scalingedu.data import MUENNIGHOFF_2023_FIT
from scalingedu.grading import grade_answer, problem_set, question
from scalingedu.grading.learner import as_learner
from scalingedu.lab import VOCAB_SIZE, ModelConfig, load_results
from scalingedu.lab.experiments import repetition_runs
from scalingedu.laws import fit_chinchilla
from scalingedu.problems import scaling_lab as ps

SOLUTION_SEED_CELL_DDOF0 = """
def approach_2_exponent(params, flops, loss, budget):
    centres, optima = [], []
    for value in np.unique(budget):
        same = budget == value
        c2, c1, _ = np.polyfit(np.log(params[same]), loss[same], 2)
        optima.append(np.exp(-c1 / (2 * c2)))
        centres.append(np.exp(np.mean(np.log(flops[same]))))
    return fit_power_law(np.array(centres), np.array(optima)).b


exponents = [approach_2_exponent(seeds["params"][seeds["seed"] == s], seeds["flops"][seeds["seed"] == s],
                                 seeds["val_loss"][seeds["seed"] == s], seeds["budget"][seeds["seed"] == s])
             for s in (0, 1, 2)]
exponent_seed_sd = np.std(exponents)
"""


def _matmul_by_hand(width, depth, context, embedding, vocab):
    """A right answer to scaling_lab.matmul_flops, written without the lab's counter: 6 FLOPs per
    weight per token."""
    return 6 * (context * embedding * width + (depth - 1) * width * width + width * vocab)


def _fit_line(x, y):
    return np.polyfit(np.log(x), np.log(y), 1)


def _approach_2(columns, rows=None, *, best_run=False):
    """Approach 2 by hand on ``columns`` (the ``rows`` given, default all): (budgets, optima, exponent a)."""
    rows = np.ones(len(columns["val_loss"]), bool) if rows is None else rows
    budgets, optima = [], []
    for budget in np.unique(columns["budget"][rows]):
        same = rows & (columns["budget"] == budget)
        params, loss = columns["params"][same], columns["val_loss"][same]
        if best_run:
            optima.append(params[np.argmin(loss)])
        else:
            c2, c1, _ = np.polyfit(np.log10(params), loss, 2)   # log10: the same minimum
            optima.append(10 ** (-c1 / (2 * c2)))
        budgets.append(np.exp(np.mean(np.log(columns["flops"][same]))))
    return budgets, optima, _fit_line(budgets, optima)[0]


def _seed_exponents(ddof=1):
    seeds = ps.seed_runs()
    return np.std([_approach_2(seeds, seeds["seed"] == seed)[2] for seed in (0, 1, 2)], ddof=ddof)


def _resolved(budget=ps.RESOLVED_BUDGET) -> str:
    seeds = ps.seed_runs()
    rows = []
    for width in np.unique(seeds["width"][seeds["budget"] == budget]):
        losses = seeds["val_loss"][(seeds["budget"] == budget) & (seeds["width"] == width)]
        rows.append((width, losses.mean(), losses.std(ddof=1) / math.sqrt(3)))
    best, second = sorted(rows, key=lambda row: row[1])[:2]
    if best[0] in (rows[0][0], rows[-1][0]):
        return "c"
    return "a" if second[1] - best[1] > 2 * math.hypot(best[2], second[2]) else "b"


def _class_exponent(clean=True) -> float:
    runs = ps.class_sweep()
    return _approach_2(runs, runs["val_loss"] < math.log(97) if clean else None)[2]


def _right_answers() -> dict:
    """Answers a learner who follows the statements would give, computed here without the library's fits where
    the question asks for a fit by hand."""
    results = load_results()
    budgets, optima, slope = _approach_2(results)
    law = fit_chinchilla(results["params"], results["tokens"], results["val_loss"])
    run = next(r for r in repetition_runs() if round(r.epochs) == ps.REPETITION_EPOCHS)
    r_star = MUENNIGHOFF_2023_FIT["rd_star"]
    worth = run.unique_tokens * (1 + r_star * (1 - np.exp(-(run.epochs - 1) / r_star))) / run.tokens
    params = ModelConfig(ps.PREDICT_WIDTH).params
    return {
        "scaling_lab.matmul_flops": _matmul_by_hand,
        "scaling_lab.isoflop_exponent": slope,
        "scaling_lab.tokens_per_param": budgets[-1] / (6 * optima[-1]) / optima[-1],
        "scaling_lab.exponent_seed_sd": _seed_exponents(),
        "scaling_lab.optimum_resolved": _resolved(),
        "scaling_lab.clean_class_fit": _class_exponent(),
        "scaling_lab.trust_exponent": ps.MODEL_ANSWER,
        "scaling_lab.predict_loss":
            law.E + law.A / params ** law.alpha + law.B / ps.PREDICT_TOKENS ** law.beta,
        "scaling_lab.repetition_worth": worth,
    }


def test_right_answers_earn_every_point():
    answers = _right_answers()
    problems = problem_set("scaling_lab")
    assert list(answers) == list(problems.ids) and len(problems.questions) >= 4
    for question_id, answer in answers.items():
        result = grade_answer(question_id, answer)
        if question_id == "scaling_lab.trust_exponent":   # a person scores it: passed by no check
            assert all(check(answer).passed for check in problems.question(question_id).public_checks)
            continue
        assert result.status == "passed", (question_id, result)


def _best_run_exponent():
    results = load_results()
    budgets, best = [], []
    for budget in np.unique(results["budget"]):
        same = results["budget"] == budget
        budgets.append(budget)
        best.append(results["params"][same][np.argmin(results["val_loss"][same])])
    return _fit_line(budgets, best)[0]


def _train_loss_prediction():
    from scalingedu.laws import fit_chinchilla

    results = load_results()
    law = fit_chinchilla(results["params"], results["tokens"], results["train_loss"])
    return law.loss(ModelConfig(ps.PREDICT_WIDTH).params, ps.PREDICT_TOKENS)


def _worth_with_r_equal_to_epochs():
    run = next(r for r in repetition_runs() if round(r.epochs) == ps.REPETITION_EPOCHS)
    r_star = MUENNIGHOFF_2023_FIT["rd_star"]
    return run.unique_tokens * (1 + r_star * (1 - np.exp(-run.epochs / r_star))) / run.tokens


@pytest.mark.parametrize("question_id, wrong", [
    # forward pass only: 2 FLOPs per weight instead of 6
    ("scaling_lab.matmul_flops", lambda right: lambda w, d, c, e, v: right(w, d, c, e, v) / 3),
    # 6N with all parameters, embeddings and biases included
    ("scaling_lab.matmul_flops",
     lambda right: lambda w, d, c, e, v: 6.0 * ModelConfig(w, d, c, e, v).params),
    # the tokens' exponent b
    ("scaling_lab.isoflop_exponent", lambda right: 1 - right),
    # best runs instead of parabola minima
    ("scaling_lab.isoflop_exponent", lambda right: _best_run_exponent()),
    # N/D instead of D/N
    ("scaling_lab.tokens_per_param", lambda right: 1 / right),
    # forgot the 6 in C/(6N)
    ("scaling_lab.tokens_per_param", lambda right: right * 6),
    # fitted to the training loss
    ("scaling_lab.predict_loss", lambda right: _train_loss_prediction()),
    # far off
    ("scaling_lab.predict_loss", lambda right: right - 0.5),
    # R = epochs, not epochs - 1
    ("scaling_lab.repetition_worth", lambda right: _worth_with_r_equal_to_epochs()),
    # np.std's default ddof=0
    ("scaling_lab.exponent_seed_sd", lambda right: _seed_exponents(ddof=0)),
    # one fit of all 60 runs in place of one per seed: no spread at all
    ("scaling_lab.exponent_seed_sd", lambda right: 0.0),
    # the class sweep fitted as it comes, diverged run and all
    ("scaling_lab.clean_class_fit", lambda right: _class_exponent(clean=False)),
    # too short to be an answer
    ("scaling_lab.trust_exponent", lambda right: "Not very much."),
])
def test_typical_mistakes_fail_a_public_check(question_id, wrong):
    answer = wrong(_right_answers()[question_id])
    q = question(question_id)
    assert not all(check(answer).passed for check in q.public_checks), question_id


def test_the_best_run_mistake_is_really_different():
    # the best-run exponent must differ from the parabola fit, or the mistake above would test nothing
    assert abs(_best_run_exponent() / _right_answers()["scaling_lab.isoflop_exponent"] - 1) > 0.02


def test_the_choice_is_decided_by_the_data():
    """The right key is the data's: the budget asked about is unresolved, while the same rule, applied to the
    largest budget, resolves its best width (so the question is not 'noise always wins')."""
    assert ps._optimum_resolved() == _resolved() == "b"
    assert _resolved(max(ps.FULL_SWEEP.budgets)) == "a"
    # ignoring the noise, the best mean width would look like the answer "a"
    assert grade_answer("scaling_lab.optimum_resolved", "a").status != "passed"


def test_seed_replicates_reproduce_the_sweep():
    """Seed 0 of the replicates is the shipped sweep, bit for bit; every point has three seeds."""
    sweep, seeds = load_results(), ps.seed_runs()
    np.testing.assert_array_equal(seeds["val_loss"][seeds["seed"] == 0], sweep["val_loss"])
    points = set(zip(seeds["budget"].tolist(), seeds["width"].tolist()))
    assert len(points) == len(sweep["val_loss"]) and len(seeds["val_loss"]) == 3 * len(points)
    assert 0.001 < ps.seed_noise() < 0.02


def test_class_sweep_is_each_learners_own_with_one_diverged_run():
    shared = ps.class_sweep()
    with as_learner("ada.lovelace"):
        ada = ps.class_sweep()
        ada_answer = _class_exponent()
    assert not np.allclose(shared["val_loss"], ada["val_loss"])
    assert grade_answer("scaling_lab.clean_class_fit", _class_exponent()).status == "passed"
    with as_learner("ada.lovelace"):
        assert grade_answer("scaling_lab.clean_class_fit", ada_answer).status == "passed"
    assert "SIMULATED" in ps.CLEAN_CLASS_FIT.statement and "SIMULATED" in ps.class_sweep.__doc__
    for learner in [None, *(f"learner{k}" for k in range(12))]:
        with as_learner(learner):
            runs = ps.class_sweep()
            assert np.sum(runs["val_loss"] > math.log(VOCAB_SIZE)) == 1
            # the naive fit on all 60 runs fails the public check for every learner; the clean one passes
            assert abs(_class_exponent(clean=False) / _class_exponent() - 1) > 0.05, learner
            assert grade_answer("scaling_lab.clean_class_fit", _class_exponent(clean=False)).status != "passed"


def test_model_answer_quotes_the_lab_numbers():
    """The model answer of trust_exponent (and the solution's) quotes measured numbers: they must be the lab's."""
    import nbformat
    from typical_mistakes import ROOT

    exponents = ps.per_seed_exponents()
    rows = sorted(ps.width_means(), key=lambda row: row[1])
    law = fit_chinchilla(*(load_results()[name] for name in ("params", "tokens", "val_loss")))
    quoted = [*(f"{a:.3f}" for a in sorted(exponents)), f"{np.std(exponents, ddof=1):.3f}",
              f"{rows[1][1] - rows[0][1]:.3f}", f"{law.params_exponent:.3f}"]
    solution = nbformat.read(ROOT / "solutions" / "05_scaling_lab.ipynb", as_version=4)
    written = next(cell.source for cell in solution.cells if 'check("scaling_lab.trust_exponent"' in cell.source)
    for text in (ps.MODEL_ANSWER, written):
        flat = " ".join(text.split())
        for number in quoted:
            assert number in flat, number
    # "seven times the seed spread", "eight standard deviations apart": the ratios quoted
    assert round((law.params_exponent - exponents[0]) / np.std(exponents, ddof=1)) == 7
    assert round(0.1 / np.std(exponents, ddof=1)) == 8


MISTAKES = [
    # Ignores the seed noise: the best mean width "wins", and np.std's default ddof=0 (18% low): loses
    # optimum_resolved (2) and exponent_seed_sd (3, both checks).
    Mistake("ignores the noise", {
        "scaling_lab.optimum_resolved": 'optimum_resolved = "a"   # width 96 has the lowest mean loss',
        "scaling_lab.exponent_seed_sd": SOLUTION_SEED_CELL_DDOF0,
    }, expected=21 - 2 - 3),
    # Fits the class sweep as it comes and counts the forward pass only: loses clean_class_fit (3) and
    # matmul_flops (3, public and hidden shapes).
    Mistake("fits without looking, forward pass only", {
        "scaling_lab.clean_class_fit": (
            "class_runs = scaling_lab.class_sweep()\n"
            "class_exponent = approach_2_exponent(class_runs['params'], class_runs['flops'], "
            "class_runs['val_loss'], class_runs['budget'])"),
        "scaling_lab.matmul_flops": (
            "def matmul_flops_per_token(width, depth, context, embedding, vocab):\n"
            "    return 2 * (context * embedding * width + (depth - 1) * width * width + width * vocab)"),
    }, expected=21 - 3 - 3),
    # Takes the best run of each budget for N_opt: loses isoflop_exponent (3) and, through the same optima,
    # tokens_per_param (2).
    Mistake("best run for the optimum", {
        "scaling_lab.isoflop_exponent": (
            "budgets, optima = [], []\n"
            "for budget in np.unique(results['budget']):\n"
            "    same = results['budget'] == budget\n"
            "    optima.append(results['params'][same][np.argmin(results['val_loss'][same])])\n"
            "    budgets.append(np.exp(np.mean(np.log(results['flops'][same]))))\n"
            "isoflop_exponent = fit_power_law(np.array(budgets), np.array(optima, dtype=float)).b"),
    }, expected=21 - 3 - 2),
]


def test_typical_mistakes_score_what_they_deserve(tmp_path):
    assert problem_set("scaling_lab").points - sum(q.points for q in problem_set("scaling_lab").questions
                                                   if q.rubric) == 21
    grade_mistakes("scaling_lab", MISTAKES, tmp_path)


def test_unanswered_questions_are_not_passed():
    for question_id in problem_set("scaling_lab").ids:
        assert grade_answer(question_id, ...).status != "passed"
