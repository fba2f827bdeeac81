"""The promises of the README and the packaging: two Quickstart commands, CI calling the test command, and
environment.yml naming the same packages and ranges as pyproject.toml."""
from __future__ import annotations

import re
import shutil
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
    assert any(line.strip() == "- ." for line in lines), \
        "environment.yml must install the course itself, not editable (an editable install leaves out the " \
        "JupyterLab extension, a data file)"


def test_set_up_script_uses_only_the_standard_library():
    source = (ROOT / "course.py").read_text()
    imported = set(re.findall(r"^(?:from|import) ([a-z_]+)", source, flags=re.M))
    assert imported <= {"__future__", "hashlib", "os", "shutil", "subprocess", "sys", "venv", "pathlib"}


# --- the JupyterLab extension that shows figures' alt text (labextension/, built into scalingedu/labextension/) ----

BUILT_EXTENSION = ROOT / "scalingedu" / "labextension"


def test_the_built_lab_extension_is_complete_and_built_from_its_source():
    import json
    built = json.loads((BUILT_EXTENSION / "package.json").read_text())
    source = json.loads((ROOT / "labextension" / "package.json").read_text())
    assert built["name"] == source["name"] == "scalingedu-alt-text" and built["version"] == source["version"]
    assert built["jupyterlab"]["_build"]["mimeExtension"], "built as a MIME renderer extension"
    entry = BUILT_EXTENSION / built["jupyterlab"]["_build"]["load"]
    assert entry.is_file(), f"the build's entry point {entry.name} is missing: rebuild (labextension/README.md)"
    code = "".join(p.read_text() for p in (BUILT_EXTENSION / "static").glob("*.js"))
    src = (ROOT / "labextension" / "src" / "index.js").read_text()
    extension_id = re.search(r'id: "([^"]+)"', src).group(1)
    image_types = re.search(r"IMAGE_TYPES = (\[[^\]]*\])", src).group(1)
    assert f'id:"{extension_id}"' in code, "the built code is not from this source (its id differs): rebuild it"
    assert f"mimeTypes:{image_types.replace(' ', '')}" in code, \
        "the built code handles other image types than its source: rebuild it"
    assert "metadata[this.mimeType]" in code and ".alt=" in code, "the built renderer does not set alt from metadata"


def test_a_normal_install_puts_the_lab_extension_where_jupyterlab_looks():
    data_files = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    folder = "share/jupyter/labextensions/scalingedu-alt-text"
    installed = set()
    for target, patterns in data_files.items():
        for pattern in patterns:
            for path in ROOT.glob(pattern):
                inside = path.relative_to(BUILT_EXTENSION)           # fails for a file from elsewhere
                assert target == f"{folder}/{inside.parent.as_posix()}".removesuffix("/."), \
                    f"{pattern} would be installed to {target}, not where JupyterLab expects it"
                installed.add(inside.as_posix())
    shipped = {p.relative_to(BUILT_EXTENSION).as_posix() for p in BUILT_EXTENSION.rglob("*") if p.is_file()}
    assert installed == shipped, f"files of the built extension not installed: {sorted(shipped - installed)}"


def test_set_up_copies_the_lab_extension_into_the_venv_and_repairs_a_stale_copy_or_a_link(tmp_path, monkeypatch):
    """course.py copies the built extension into the venv; a copy, because Voilà answered 403 Forbidden for the
    files of the symbolic link an earlier course.py made (their real path lies outside its folder), so in Voilà the
    static figures had no alt text."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
    course = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course)
    monkeypatch.setattr(course, "VENV", tmp_path / "venv")
    target = tmp_path / "venv" / "share" / "jupyter" / "labextensions" / "scalingedu-alt-text"

    def files(folder):
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    target.mkdir(parents=True)
    (target / "package.json").write_text("{}")            # a stale copy from an older course
    course.install_lab_extension()
    assert not target.is_symlink() and files(target) == files(BUILT_EXTENSION)
    shutil.rmtree(target)
    target.symlink_to(BUILT_EXTENSION, target_is_directory=True)   # what the previous course.py made
    course.install_lab_extension()
    assert not target.is_symlink() and files(target) == files(BUILT_EXTENSION)
    stamp = (target / "package.json").stat().st_mtime_ns
    course.install_lab_extension()                         # up to date: left alone
    assert (target / "package.json").stat().st_mtime_ns == stamp
