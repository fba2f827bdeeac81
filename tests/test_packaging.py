"""The promises of the README and the packaging: two Quickstart commands, CI calling the test command, and
environment.yml naming the same packages and ranges as pyproject.toml."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parent.parent


def _quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:bash|sh|console)?\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the Quickstart must hold exactly one fenced block"
    return [line.strip() for line in blocks[0].splitlines() if line.strip() and not line.startswith("#")]


def test_quickstart_has_exactly_two_commands_run_then_test():
    commands = _quickstart_commands()
    assert commands == ["python3 course.py lab", "python3 course.py test"]


def test_ci_calls_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = _quickstart_commands()[1]
    assert test_command in [line.strip() for line in ci.splitlines()]


def _requirement(spec: str) -> tuple[str, str]:
    match = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", spec)
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(_requirement(s) for s in project["dependencies"] + project["optional-dependencies"]["test"])
    lines = (ROOT / "environment.yml").read_text().split("dependencies:", 1)[1].splitlines()
    conda = dict(_requirement(line.strip()[2:]) for line in lines
                 if line.startswith("  - ") and not line.strip().startswith("- pip"))
    python_range = conda.pop("python")
    assert python_range == project["requires-python"]
    assert conda == wanted
    assert any(line.strip() == "- -e ." for line in lines), "environment.yml must install the course itself"


def test_set_up_script_uses_only_the_standard_library():
    source = (ROOT / "course.py").read_text()
    imported = set(re.findall(r"^(?:from|import) ([a-z_]+)", source, flags=re.M))
    assert imported <= {"__future__", "hashlib", "os", "subprocess", "sys", "venv", "pathlib"}
