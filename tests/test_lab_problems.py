"""Problem set 05 (the scaling lab): right answers earn every point, typical mistakes fail a public check."""
from __future__ import annotations

import numpy as np
import pytest

from scalingedu.data import MUENNIGHOFF_2023_FIT
from scalingedu.grading import grade_answer, problem_set, question
from scalingedu.lab import ModelConfig, load_results
from scalingedu.lab.experiments import repetition_runs
from scalingedu.problems import scaling_lab as ps


def _matmul_by_hand(width, depth, context, embedding, vocab):
    """A right answer to scaling_lab.matmul_flops, written without the lab's counter: 6 FLOPs per
    weight per token."""
    return 6 * (context * embedding * width + (depth - 1) * width * width + width * vocab)


def _fit_line(x, y):
    return np.polyfit(np.log(x), np.log(y), 1)


def _right_answers() -> dict:
    """Answers a learner who follows the statements would give, computed here without the library's fits where
    the question asks for a fit by hand."""
    results = load_results()
    budgets, optima = [], []
    for budget in np.unique(results["budget"]):
        same = results["budget"] == budget
        c2, c1, _ = np.polyfit(np.log10(results["params"][same]), results["val_loss"][same], 2)   # log10: same min
        optima.append(10 ** (-c1 / (2 * c2)))
        budgets.append(np.exp(np.mean(np.log(results["flops"][same]))))
    slope = _fit_line(budgets, optima)[0]
    from scalingedu.laws import fit_chinchilla

    law = fit_chinchilla(results["params"], results["tokens"], results["val_loss"])
    run = next(r for r in repetition_runs() if round(r.epochs) == ps.REPETITION_EPOCHS)
    r_star = MUENNIGHOFF_2023_FIT["rd_star"]
    worth = run.unique_tokens * (1 + r_star * (1 - np.exp(-(run.epochs - 1) / r_star))) / run.tokens
    params = ModelConfig(ps.PREDICT_WIDTH).params
    return {
        "scaling_lab.matmul_flops": _matmul_by_hand,
        "scaling_lab.isoflop_exponent": slope,
        "scaling_lab.tokens_per_param": budgets[-1] / (6 * optima[-1]) / optima[-1],
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
])
def test_typical_mistakes_fail_a_public_check(question_id, wrong):
    answer = wrong(_right_answers()[question_id])
    q = question(question_id)
    assert not all(check(answer).passed for check in q.public_checks), question_id


def test_the_best_run_mistake_is_really_different():
    # the best-run exponent must differ from the parabola fit, or the mistake above would test nothing
    assert abs(_best_run_exponent() / _right_answers()["scaling_lab.isoflop_exponent"] - 1) > 0.02


def test_unanswered_questions_are_not_passed():
    for question_id in problem_set("scaling_lab").ids:
        assert grade_answer(question_id, ...).status != "passed"
