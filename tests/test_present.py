"""`scalingedu present` (a lesson in Voilà, pre-heated, projector mode; its speed: `scalingedu bench --voila`) and the
bench command's refusals."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from scalingedu.tools.cli import main
from scalingedu.tools.present import VOILA_DATA, VOILA_TEMPLATE, voila_command


def test_present_runs_voila_with_a_preheated_kernel_in_projector_mode(monkeypatch):
    monkeypatch.delenv("SCALINGEDU_PROJECTOR", raising=False)
    command, environment = voila_command(Path("notebooks/04_chinchilla.ipynb"), port=9000, projector=True)
    assert command[1:4] == ["-m", "voila", "notebooks/04_chinchilla.ipynb"]
    assert {"--port=9000", "--preheat_kernel=True", "--pool_size=1"} <= set(command)
    assert environment["SCALINGEDU_PROJECTOR"] == "1"
    # The course's template (links underlined), found by Voilà through JUPYTER_PATH, ships with the package.
    assert f"--template={VOILA_TEMPLATE}" in command
    data = Path(environment["JUPYTER_PATH"].split(os.pathsep)[0])
    assert data == VOILA_DATA and (data / "voila" / "templates" / VOILA_TEMPLATE / "conf.json").is_file()
    monkeypatch.setenv("SCALINGEDU_PROJECTOR", "1")
    _, plain = voila_command(Path("x.ipynb"), port=9000, projector=False)
    assert "SCALINGEDU_PROJECTOR" not in plain


def test_present_names_the_lessons_when_given_an_unknown_one(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["present", "42"])
    assert stopped.value.code == 2
    assert "chinchilla" in capsys.readouterr().err


def test_bench_refuses_too_few_repeats_with_a_message(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["bench", "--repeats", "3", "--skip-notebooks", "--skip-grading", "--skip-fits"])
    assert stopped.value.code == 2
    assert "repeats must be >= 20" in capsys.readouterr().err
