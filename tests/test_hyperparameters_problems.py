"""Problem set 10 (hyperparameters at scale): right answers earn every point, typical mistakes fail a public check at
every learner's target, the decision and the model answer follow the shipped sweeps, statements render what the
library computes, and three typical mistakes graded as submissions score what they deserve."""
from __future__ import annotations

import math

import nbformat
import numpy as np
import pytest
from scipy.optimize import least_squares
from typical_mistakes import ROOT, Mistake, grade_mistakes

from scalingedu.data import MODELS
from scalingedu.data.deepseek_llm import DEEPSEEK_LLM_HYPERPARAMETER_LAWS as LAWS
from scalingedu.grading import grade_answer, problem_set, question
from scalingedu.grading.learner import as_learner
from scalingedu.lab.hyperparameters import (
    DESIGNS,
    critical_batch_sizes,
    learning_rate_drift,
    learning_rate_optima,
    load_hparam_results,
    schedule_comparison,
    steps_to_target,
)
from scalingedu.problems import hyperparameters as ps
from scalingedu.transformer import PRESETS

SET = "hyperparameters"


def _learner_with(target: float) -> str | None:
    """A learner id whose target is ``target`` (None: the shared data, whose target is the default)."""
    if target == ps.DEFAULT_TARGET:
        return None
    for k in range(200):
        with as_learner(f"learner{k}"):
            if ps.target_loss() == target:
                return f"learner{k}"
    raise AssertionError(f"no learner among 200 gets the target {target}")


# Answers by hand ---------------------------------------------------------------------------------------------------

def _steps_by_hand(batch, s_min, e_min):
    return s_min + e_min / batch


def _mup_by_hand(learning_rate, width, base_width):
    return learning_rate, learning_rate * base_width / width, learning_rate * base_width / width


def _fewest_steps(target, *, interpolate=True, multiplier=None):
    """(batches, steps): the fewest steps over the learning rates for each (seed, batch) that reached ``target``;
    ``multiplier`` keeps only the runs at that multiple of the sweep's square-root rate rule (one rate per batch)."""
    data, design = load_hparam_results("batch-size"), DESIGNS["batch-size"]
    fewest = {}
    for batch, rate, seed in sorted(set(zip(data["batch"].tolist(), data["learning_rate"].tolist(),
                                            data["seed"].tolist()))):
        if multiplier is not None and not math.isclose(rate, design.rate(batch, multiplier)):
            continue
        rows = np.flatnonzero((data["batch"] == batch) & (data["learning_rate"] == rate) & (data["seed"] == seed))
        rows = rows[np.argsort(data["steps"][rows])]
        if interpolate:
            needed = steps_to_target(data["steps"][rows], data["val_loss"][rows], target)
        else:   # the first checkpoint at or below the target
            below = np.flatnonzero(data["val_loss"][rows] <= target)
            needed = float(data["steps"][rows][below[0]]) if below.size else math.nan
        if math.isfinite(needed):
            fewest[seed, batch] = min(needed, fewest.get((seed, batch), math.inf))
    return np.array([b for _, b in fewest], dtype=float), np.array(list(fewest.values()))


def _b_crit(batches, steps, *, log=True):
    if not log:   # least squares on S itself: S = S_min + E_min·(1/B) is a straight line in 1/B
        slope, intercept = np.polyfit(1 / batches, steps, 1)
        return slope / intercept
    fit = least_squares(lambda p: np.log(steps) - np.log(np.exp(p[0]) + np.exp(p[1]) / batches),
                        np.log([steps.min() / 2, (steps * batches).min() / 2]), method="lm")
    s_min, e_min = np.exp(fit.x)
    return e_min / s_min


def _optimum(rates, losses, how="parabola"):
    order = np.argsort(rates)
    rates, losses = rates[order], losses[order]
    best = int(np.argmin(losses))
    if how == "grid":
        return rates[best]
    if how == "all":          # one parabola through all seven rates
        a, b, _ = np.polyfit(np.log2(rates), losses, 2)
        return 2 ** (-b / (2 * a))
    x = rates[best - 1:best + 2]
    if how == "linear":       # the parabola in the rate itself
        a, b, _ = np.polyfit(x, losses[best - 1:best + 2], 2)
        return -b / (2 * a)
    a, b, _ = np.polyfit(np.log2(x), losses[best - 1:best + 2], 2)
    return 2 ** (-b / (2 * a))


def _drift(mup, base_width, how="parabola"):
    data = load_hparam_results("lr-transfer")
    rows = (data["final"] == 1) & (data["mup"] == mup) & (data["base_width"] == base_width)
    x, y = [], []
    for width, seed in sorted(set(zip(data["width"][rows].tolist(), data["seed"][rows].tolist()))):
        mine = rows & (data["width"] == width) & (data["seed"] == seed)
        x.append(math.log(width))
        y.append(math.log(_optimum(data["learning_rate"][mine], data["val_loss"][mine], how)))
    return np.polyfit(x, y, 1)[0]


def _transfer_losses() -> dict[str, float]:
    """Recipe -> predicted width-256 loss, by hand (the rule of the statement)."""
    data = load_hparam_results("lr-transfer")
    final = data["final"] == 1
    found = {}
    for key, (mup, base_width, scaled) in {"a": (0, 32, False), "b": (0, 32, True), "c": (1, 8, False),
                                           "d": (1, 32, False)}.items():
        variant = final & (data["mup"] == mup) & (data["base_width"] == base_width)
        tuned = []
        for seed in (0, 1, 2):
            rows = variant & (data["width"] == ps.TUNE_WIDTH) & (data["seed"] == seed)
            tuned.append(math.log(_optimum(data["learning_rate"][rows], data["val_loss"][rows])))
        rate = math.exp(np.mean(tuned))
        if scaled:
            rate *= (ps.TRAIN_WIDTH / ps.TUNE_WIDTH) ** _drift(mup, base_width)
        losses = []
        for seed in (0, 1, 2):
            rows = np.flatnonzero(variant & (data["width"] == ps.TRAIN_WIDTH) & (data["seed"] == seed))
            rows = rows[np.argsort(data["learning_rate"][rows])]
            best = int(np.argmin(data["val_loss"][rows]))
            near = rows[best - 1:best + 2]
            losses.append(np.polyval(np.polyfit(np.log2(data["learning_rate"][near]), data["val_loss"][near], 2),
                                     math.log2(rate)))
        found[key] = float(np.mean(losses))
    return found


def _wsd_worth(*, log=True, same_rate=False):
    comparisons = schedule_comparison()
    budgets = np.array([c.budget for c in comparisons], dtype=float)
    cosine = np.array([c.best("cosine")[1].mean() for c in comparisons])
    last = comparisons[-1]
    if same_rate:             # WSD at the cosine's best peak rate, not at its own
        wsd = last.wsd[list(last.learning_rates).index(last.best("cosine")[0])].mean()
    else:
        wsd = last.best("wsd")[1].mean()
    k = int(np.flatnonzero(cosine <= wsd)[0])
    w = (cosine[k - 1] - wsd) / (cosine[k - 1] - cosine[k])
    if log:
        tokens = math.exp(math.log(budgets[k - 1]) + w * math.log(budgets[k] / budgets[k - 1]))
    else:
        tokens = budgets[k - 1] + w * (budgets[k] - budgets[k - 1])
    return tokens / budgets[-1]


def _frontier_batch(flops=None):
    shape = PRESETS[ps.FRONTIER_MODEL]
    tokens = next(m.tokens for m in MODELS if m.name == ps.FRONTIER_MODEL)
    if flops is None:
        m = 72 * shape.n_layers * shape.d_model ** 2 + 6 * shape.n_layers * shape.d_model * shape.context
        flops = m * tokens
    return LAWS["batch_coefficient"] * flops ** LAWS["batch_exponent"]


def _right_answers() -> dict:
    """Answers a learner who follows the statements would give, computed here without the library's fits."""
    return {
        "hyperparameters.steps_for_batch": _steps_by_hand,
        "hyperparameters.critical_batch": _b_crit(*_fewest_steps(ps.target_loss())),
        "hyperparameters.frontier_batch": _frontier_batch(),
        "hyperparameters.mup_learning_rates": _mup_by_hand,
        "hyperparameters.mup_drift": _drift(1, 32),
        "hyperparameters.transfer_plan": min(_transfer_losses().items(), key=lambda item: item[1])[0],
        "hyperparameters.wsd_worth": _wsd_worth(),
        "hyperparameters.wsd_or_cosine": ps._MODEL_ANSWER,
    }


def test_right_answers_earn_every_point():
    answers = _right_answers()
    problems = problem_set(SET)
    assert list(answers) == list(problems.ids)
    for question_id, answer in answers.items():
        result = grade_answer(question_id, answer)
        if question(question_id).rubric:   # a person scores it: passed by no check
            assert all(check(answer).passed for check in question(question_id).public_checks)
            continue
        assert result.status == "passed", (question_id, result)


def test_the_set_follows_the_house_rules():
    problems = problem_set(SET)
    assert 40 <= problems.points <= 50 and 6 <= len(problems.questions) <= 8
    plugged = sum(q.points for q in problems.questions if q.kind in ("recall", "compute"))
    assert plugged <= problems.points / 3
    assert {q.kind for q in problems.questions} >= {"derive", "fit", "decide", "compute"}


# Typical mistakes --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("question_id, wrong", [
    # the examples a run needs, E = E_min + S_min·B, in place of the steps
    ("hyperparameters.steps_for_batch", lambda b, s, e: e + s * b),
    # B_crit upside down: S_min·(1 + B/B_crit)
    ("hyperparameters.steps_for_batch", lambda b, s, e: s * (1 + b * s / e)),
    # the small-batch limit only
    ("hyperparameters.steps_for_batch", lambda b, s, e: e / b),
    # typed in for the public case: fails the hidden ones
    ("hyperparameters.mup_learning_rates", lambda lr, w, b: (0.03, 0.0009375, 0.0009375)),
    # the width multiplier upside down
    ("hyperparameters.mup_learning_rates", lambda lr, w, b: (lr, lr * w / b, lr * w / b)),
    # scaled like an initialisation, by the square root
    ("hyperparameters.mup_learning_rates", lambda lr, w, b: (lr, lr * math.sqrt(b / w), lr * math.sqrt(b / w))),
    # every layer scaled, the first one included
    ("hyperparameters.mup_learning_rates", lambda lr, w, b: (lr * b / w,) * 3),
    # the output layer's initialisation rule (1/fan_in²) taken for its rate
    ("hyperparameters.mup_learning_rates", lambda lr, w, b: (lr, lr * b / w, lr * (b / w) ** 2)),
    # SP: one rate for all
    ("hyperparameters.mup_learning_rates", lambda lr, w, b: (lr, lr, lr)),
])
def test_wrong_functions_fail(question_id, wrong):
    """Each wrong function fails a public check or, when it matches the public case, a hidden one."""
    q = question(question_id)
    public_passed = all(check(wrong).passed for check in q.public_checks)
    assert grade_answer(question_id, wrong).status != "passed"
    if not public_passed:
        return
    assert not all(check(wrong).passed for check in q.hidden_checks)


def test_a_function_that_calls_the_library_earns_nothing():
    # the references themselves build a lab model or call TradeOff.steps: right values, no points
    for question_id, answer in (("hyperparameters.mup_learning_rates", ps._mup_learning_rates),
                                ("hyperparameters.steps_for_batch", ps._steps_for_batch)):
        result = grade_answer(question_id, answer)
        assert result.points_earned == 0, (question_id, result)


def _batch_mistakes(target):
    data = critical_batch_sizes(targets=[target])[0]
    return {
        "a fit of S, not ln S": _b_crit(*_fewest_steps(target), log=False),
        "one learning rate for every batch": _b_crit(*_fewest_steps(target, multiplier=1.0)),
        "no interpolation between checkpoints": _b_crit(*_fewest_steps(target, interpolate=False)),
        "B_simple for B_crit": data.b_simple_median,
        "S_min/E_min": data.tradeoff.s_min / data.tradeoff.e_min,
    }


@pytest.mark.parametrize("target", ps.TARGETS)
def test_critical_batch_mistakes_fail_at_every_target(target):
    with as_learner(_learner_with(target)):
        assert ps.target_loss() == target
        right = _b_crit(*_fewest_steps(target))
        assert grade_answer("hyperparameters.critical_batch", right).status == "passed"
        q = question("hyperparameters.critical_batch")
        for name, wrong in _batch_mistakes(target).items():
            assert not all(check(wrong).passed for check in q.public_checks), (target, name, wrong, right)


@pytest.mark.parametrize("question_id, wrong", [
    # the budget as 6ND
    ("hyperparameters.frontier_batch",
     lambda: _frontier_batch(6 * next(m.params * m.tokens for m in MODELS if m.name == ps.FRONTIER_MODEL))),
    # the budget of the paper (the record's training FLOPs) in place of DeepSeek's M·D
    ("hyperparameters.frontier_batch",
     lambda: _frontier_batch(next(m.training_flops for m in MODELS if m.name == ps.FRONTIER_MODEL))),
    # the batch in sequences of the context, not tokens
    ("hyperparameters.frontier_batch", lambda: _frontier_batch() / PRESETS[ps.FRONTIER_MODEL].context),
    # the grid's best rate as each seed's optimum
    ("hyperparameters.mup_drift", lambda: _drift(1, 32, "grid")),
    # the parabola in the rate itself, not its logarithm
    ("hyperparameters.mup_drift", lambda: _drift(1, 32, "linear")),
    # one parabola through all seven rates
    ("hyperparameters.mup_drift", lambda: _drift(1, 32, "all")),
    # SP's drift, or µP relative to base width 8
    ("hyperparameters.mup_drift", lambda: _drift(0, 32)),
    ("hyperparameters.mup_drift", lambda: _drift(1, 8)),
    # log2 of the width against ln of the rate
    ("hyperparameters.mup_drift", lambda: _drift(1, 32) / math.log(2)),
    # interpolated in the budget, not its logarithm
    ("hyperparameters.wsd_worth", lambda: _wsd_worth(log=False)),
    # the WSD branch at the cosine's best peak rate
    ("hyperparameters.wsd_worth", lambda: _wsd_worth(same_rate=True)),
    # upside down: the budget over the equivalent characters
    ("hyperparameters.wsd_worth", lambda: 1 / _wsd_worth()),
    # too short to be an answer
    ("hyperparameters.wsd_or_cosine", lambda: "WSD, it is cheaper."),
])
def test_typical_mistakes_fail_a_public_check(question_id, wrong):
    answer = wrong()
    q = question(question_id)
    assert not all(check(answer).passed for check in q.public_checks), (question_id, answer)


def test_the_mistakes_are_really_different_from_the_answer():
    # the mistakes above would test nothing if the data made them coincide with the answer: the tolerances say
    # by how much each must miss, and these margins keep them clear of it
    right = _drift(1, 32)
    assert abs(_drift(1, 32, "grid") - right) > 0.04 and abs(_drift(1, 32, "linear") - right) > 0.02
    assert abs(_wsd_worth(log=False) / _wsd_worth() - 1) > 0.04


def test_the_choice_is_decided_by_the_data():
    """d (µP relative to base 32) wins by more than the seed noise of the comparison, although c's optimum moves
    least with width: the question is not 'least drift wins'."""
    by_hand, library = _transfer_losses(), ps._transfer_losses()
    for key in by_hand:
        assert by_hand[key] == pytest.approx(library[key][1], abs=1e-12), key
    ranked = sorted(by_hand, key=by_hand.get)
    assert ranked[0] == ps._transfer_plan() == "d"
    assert by_hand[ranked[1]] - by_hand["d"] > 0.005
    assert max(by_hand, key=by_hand.get) == "a"
    drifts = {(d.parametrization, d.base_width): d for d in learning_rate_drift()}
    assert abs(drifts["mup", 8].slope) < abs(drifts["mup", 32].slope) < abs(drifts["sp", 32].slope)
    for wrong in "abc":
        assert grade_answer("hyperparameters.transfer_plan", wrong).status != "passed"


def test_target_is_each_learners_own():
    targets = {}
    for learner in [None, *(f"learner{k}" for k in range(30))]:
        with as_learner(learner):
            targets[learner] = ps.target_loss()
    assert targets[None] == ps.DEFAULT_TARGET and set(targets.values()) == set(ps.TARGETS)
    shared = _b_crit(*_fewest_steps(ps.DEFAULT_TARGET))
    other = next(learner for learner, target in targets.items() if target != ps.DEFAULT_TARGET)
    with as_learner(other):
        own = _b_crit(*_fewest_steps(ps.target_loss()))
        assert grade_answer("hyperparameters.critical_batch", own).status == "passed"
        assert grade_answer("hyperparameters.critical_batch", shared).status != "passed"


def test_every_target_has_a_trade_off_fit_from_both_seeds():
    for target in ps.TARGETS:
        found = critical_batch_sizes(targets=[target])[0]
        assert found.tradeoff is not None and np.isfinite(found.seed_b_crit).all()
        assert min(found.batches) < found.b_crit < max(found.batches)


def test_statements_render_the_library_numbers():
    problems = problem_set(SET)
    for number, q in enumerate(problems.questions, start=1):
        text = q.markdown(number)
        assert text.startswith(f"### {number}. {q.title} (`{q.id}`")
        assert "{" + "DEFAULT" not in text and "None" not in text
    frontier = question("hyperparameters.frontier_batch").statement
    assert f"{LAWS['batch_coefficient']:.4f}" in frontier and f"{LAWS['batch_exponent']:.4f}" in frontier
    assert f"{max(DESIGNS['schedules'].budgets):,}" in question("hyperparameters.wsd_worth").statement
    assert f"{max(DESIGNS['batch-size'].batches):,}" in question("hyperparameters.critical_batch").statement
    options = question("hyperparameters.transfer_plan").statement
    assert all(f"- **{key}**:" in options for key in "abcd")
    assert "Your answer is scored on:" in question("hyperparameters.wsd_or_cosine").statement


def test_the_transfer_rule_uses_bracketed_optima():
    # every seed's best rate lies inside its grid, so the three-point parabolas are well defined
    assert all(o.bracketed.all() for o in learning_rate_optima())


def _solution_text(question_id: str) -> str:
    notebook = nbformat.read(ROOT / "solutions" / "10_hyperparameters.ipynb", as_version=4)
    return next(cell.source for cell in notebook.cells if f'check("{question_id}"' in cell.source)


def test_model_answer_quotes_the_lab_numbers():
    """The model answer of wsd_or_cosine (and the solution's) quotes measured numbers: they must be the lab's."""
    comparisons = schedule_comparison()
    last = comparisons[-1]
    gaps = [f"{c.difference:.3f}" for c in comparisons]
    seed_gaps = [f"{g:.3f}" for g in last.best("wsd")[1] - last.best("cosine")[1]]
    saved = 1 - last.wsd_tokens_all / last.cosine_tokens_all
    quoted = [*gaps, *seed_gaps, f"{round(100 * ps._wsd_worth())}%", f"{last.wsd_tokens_all / 1e6:.2f}M",
              f"{last.cosine_tokens_all / 1e6:.2f}M", f"{round(100 * saved)}%",
              f"{min(gaps, key=float)} to {max(gaps, key=float)} nats", f"({last.best('wsd')[0]:g})"]
    for text in (ps._MODEL_ANSWER, _solution_text("hyperparameters.wsd_or_cosine")):
        flat = " ".join(text.split())
        for number in quoted:
            assert number in flat, number
    # "the lowest we tried": WSD's best peak rate at the largest budget is the edge of the grid
    assert last.best("wsd")[0] == min(last.learning_rates)
    # "every budget ... worse", "largest at 4.2M characters"
    assert all(c.difference > 0 for c in comparisons) and max(comparisons, key=lambda c: c.difference) is last


def test_the_solutions_prose_quotes_the_lab_numbers():
    """The not-graded answers of the solution quote the lab's numbers at the shared target: keep them true."""
    notebook = nbformat.read(ROOT / "solutions" / "10_hyperparameters.ipynb", as_version=4)
    prose = " ".join(" ".join(c.source.split()) for c in notebook.cells if c.cell_type == "markdown")
    by_target = {c.target: c for c in critical_batch_sizes()}
    shared = by_target[ps.DEFAULT_TARGET]
    assert f"about {round(shared.b_simple_median, -2):,.0f} characters" in prose
    assert f"fitted $B_{{crit}}$ of about {round(shared.b_crit, -1):,.0f}" in prose
    assert f"{shared.b_simple_median / shared.b_crit:.1f} times larger" in prose
    assert f"from about {round(by_target[2.8].b_crit, -1):,.0f} characters at 2.8 nats to " \
           f"{round(by_target[2.2].b_crit, -2):,.0f} at 2.2" in prose
    assert f"from about {round(by_target[2.8].b_simple_median, -2):,.0f} to " \
           f"{round(by_target[2.2].b_simple_median, -2):,.0f}" in prose
    losses = ps._transfer_losses()
    optima = {(o.parametrization, o.base_width, o.width): o for o in learning_rate_optima()}
    best_256 = {key: optima[key + (256,)].best_losses.mean() for key in (("sp", 32), ("mup", 8), ("mup", 32))}
    assert f"{losses['d'][1]:.3f} against a best of about {best_256['mup', 32]:.3f}" in prose
    assert f"is {optima['mup', 32, 256].learning_rate / optima['mup', 32, 32].learning_rate:.1f} times the rate" \
           in prose
    assert round(best_256["mup", 8] - best_256["mup", 32], 2) == 0.02            # "about 0.02 nats worse"
    assert round(losses["a"][1] - best_256["sp", 32], 2) == 0.04                 # "loses 0.04 nats"
    assert round(optima["sp", 32, 32].learning_rate / optima["sp", 32, 256].learning_rate) == 2   # "a factor 2"
    assert f"width}}^{{{next(d.slope for d in learning_rate_drift() if d.parametrization == 'sp'):.1f}}}" in prose


# Graded as submissions ---------------------------------------------------------------------------------------------

MISTAKES = [
    # Reads each seed's optimum off the grid and picks the recipe whose optimum moves least: loses mup_drift (7)
    # and transfer_plan (5).
    Mistake("grid optimum, least drift", {
        "hyperparameters.mup_drift": (
            "final = lr_runs['final'] == 1\n"
            "rows = final & (lr_runs['mup'] == 1) & (lr_runs['base_width'] == 32)\n"
            "x, y = [], []\n"
            "for width in (16, 32, 64, 128, 256):\n"
            "    for seed in (0, 1, 2):\n"
            "        mine = rows & (lr_runs['width'] == width) & (lr_runs['seed'] == seed)\n"
            "        x.append(np.log(width))\n"
            "        y.append(np.log(lr_runs['learning_rate'][mine][np.argmin(lr_runs['val_loss'][mine])]))\n"
            "mup_drift = np.polyfit(x, y, 1)[0]"),
        "hyperparameters.transfer_plan": 'transfer_plan = "c"   # its optimum moves least',
    }, expected=35 - 7 - 5),
    # Returns the examples where the steps are asked for, and prices the frontier batch with C = 6ND: loses
    # steps_for_batch (5), frontier_batch (3) and critical_batch (7), whose fit calls the learner's own function.
    Mistake("examples for steps, 6ND", {
        "hyperparameters.steps_for_batch": (
            "def steps_for_batch(batch, s_min, e_min):\n"
            "    return e_min + s_min * batch"),
        "hyperparameters.frontier_batch": (
            "shape = PRESETS['Chinchilla']\n"
            "frontier_batch = deepseek_batch_tokens(6 * 70e9 * 1.4e12)"),
    }, expected=35 - 5 - 3 - 7),
    # Fits S rather than ln S, and interpolates the WSD branch in the budget itself: loses critical_batch (7) and
    # wsd_worth (3).
    Mistake("linear fits", {
        "hyperparameters.critical_batch": (
            "fewest = {}\n"
            "for batch, rate, seed in sorted(runs):\n"
            "    run = (batch_runs['batch'] == batch) & (batch_runs['learning_rate'] == rate) "
            "& (batch_runs['seed'] == seed)\n"
            "    order = np.argsort(batch_runs['steps'][run])\n"
            "    needed = steps_to_target(batch_runs['steps'][run][order], batch_runs['val_loss'][run][order], "
            "target)\n"
            "    if np.isfinite(needed):\n"
            "        fewest[seed, batch] = min(needed, fewest.get((seed, batch), np.inf))\n"
            "b = np.array([k[1] for k in fewest], dtype=float)\n"
            "e_min, s_min = np.polyfit(1 / b, np.array(list(fewest.values())), 1)\n"
            "critical_batch = e_min / s_min"),
        "hyperparameters.wsd_worth": (
            "budgets = np.array([c.budget for c in comparisons], dtype=float)\n"
            "cosine = np.array([c.best('cosine')[1].mean() for c in comparisons])\n"
            "wsd_loss = comparisons[-1].best('wsd')[1].mean()\n"
            "k = int(np.flatnonzero(cosine <= wsd_loss)[0])\n"
            "w = (cosine[k - 1] - wsd_loss) / (cosine[k - 1] - cosine[k])\n"
            "wsd_worth = (budgets[k - 1] + w * (budgets[k] - budgets[k - 1])) / budgets[-1]"),
    }, expected=35 - 7 - 3),
]


def test_typical_mistakes_score_what_they_deserve(tmp_path):
    owner = problem_set(SET)
    assert owner.points - sum(q.points for q in owner.questions if q.rubric) == 35
    grade_mistakes(SET, MISTAKES, tmp_path)


def test_unanswered_questions_are_not_passed():
    for question_id in problem_set(SET).ids:
        assert grade_answer(question_id, ...).status != "passed"
