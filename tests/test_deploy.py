"""The deployment recipes in deploy/: the Zero to JupyterHub values file is valid for the chart's values schema,
sets only keys the chart knows, and its per-learner memory and CPU are exactly what the documented rule
(``scalingedu.tools.sizing.derive_limits``) gives from the shipped measurement (``deploy/sizing.json``); the TLJH
recipe and docs/deploy.md quote the same numbers, so none of them can drift silently.

The schema is an excerpt of the chart's ``jupyterhub/schema.yaml`` (deploy/z2jh/schema/README.md says which commit and
what was kept). At that chart version the file was reference documentation rather than a schema helm enforced: it
spells arrays ``list`` and types the CPU limit and guarantee as strings, where chart 1.0 and later (which the values
file targets) take numbers. :func:`chart_schema` makes exactly those two adaptations, and the test below checks
that values.yaml gives CPU as numbers.
"""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from scalingedu.tools.sizing import derive_limits

yaml = pytest.importorskip("yaml", reason="PyYAML comes with jupyter (jupyter_events)")
jsonschema = pytest.importorskip("jsonschema", reason="jsonschema comes with jupyter (jupyter_events)")

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
VALUES = DEPLOY / "z2jh" / "values.yaml"
SCHEMA = DEPLOY / "z2jh" / "schema" / "schema-excerpt.yaml"
SIZING = DEPLOY / "sizing.json"

# Keys values.yaml sets that the chart added after the schema version stored here (documented in the chart's
# reference for chart 1.0 and later): they are checked for type here, since the stored schema cannot.
NEWER_CHART_KEYS = {
    "singleuser.defaultUrl": str,
    "cull.enabled": bool,
    "cull.timeout": int,
    "cull.every": int,
}


def chart_schema() -> dict:
    """The stored schema excerpt as a JSON schema: ``type: list`` read as ``array``; CPU as a number too."""
    schema = yaml.safe_load(SCHEMA.read_text())

    def fix(node):
        if isinstance(node, dict):
            if node.get("type") == "list":
                node["type"] = "array"
            for value in node.values():
                fix(value)
    fix(schema)
    cpu = schema["properties"]["singleuser"]["properties"]["cpu"]["properties"]
    for name in ("limit", "guarantee"):
        assert cpu[name]["type"] == ["string", "null"], "the stored schema changed: revisit this adaptation"
        cpu[name]["type"] = ["number", "string", "null"]
    return schema


def _values() -> dict:
    return yaml.safe_load(VALUES.read_text())


def _paths(node, prefix=""):
    for key, value in node.items():
        path = f"{prefix}{key}"
        yield path, value
        if isinstance(value, dict):
            yield from _paths(value, path + ".")


def _schema_paths(schema, prefix=""):
    for key, value in schema.get("properties", {}).items():
        path = f"{prefix}{key}"
        yield path
        yield from _schema_paths(value, path + ".")


def test_the_schema_excerpt_is_a_valid_json_schema():
    jsonschema.Draft7Validator.check_schema(chart_schema())


def test_values_yaml_is_valid_for_the_charts_schema():
    jsonschema.Draft7Validator(chart_schema()).validate(_values())


def test_the_schema_check_catches_a_wrong_type():
    # If the validation above could not fail, it would prove nothing: a list where a memory size goes must fail.
    broken = copy.deepcopy(_values())
    broken["singleuser"]["memory"]["limit"] = [broken["singleuser"]["memory"]["limit"]]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(chart_schema()).validate(broken)


def test_values_yaml_sets_only_keys_the_chart_knows():
    known = set(_schema_paths(chart_schema()))
    for path, value in _paths(_values()):
        if isinstance(value, dict):
            continue
        if path in NEWER_CHART_KEYS:
            assert isinstance(value, NEWER_CHART_KEYS[path]), f"{path} should be {NEWER_CHART_KEYS[path].__name__}"
        else:
            assert path in known, f"values.yaml sets {path}, which the chart's schema does not describe (a typo?)"


def test_the_limits_in_values_yaml_are_the_rules_numbers_for_the_shipped_measurement():
    table = json.loads(SIZING.read_text())
    limits = derive_limits(table)
    assert table["limits"] == limits, "deploy/sizing.json's limits are stale: run scalingedu bench-hub --json again"
    single = _values()["singleuser"]
    assert single["memory"]["guarantee"] == f"{limits['memory_guarantee_mib']}M"
    assert single["memory"]["limit"] == f"{limits['memory_limit_mib']}M"
    assert isinstance(single["cpu"]["limit"], float) and isinstance(single["cpu"]["guarantee"], float), \
        "chart 1.0 and later take CPU as numbers"
    assert single["cpu"]["guarantee"] == pytest.approx(limits["cpu_guarantee"])
    assert single["cpu"]["limit"] == pytest.approx(limits["cpu_limit"])
    assert set(table["lessons"]) == {Path(each.notebook).stem for each in _lessons()}, "not every lesson measured"


def _lessons():
    from scalingedu.lessons import LESSONS
    return LESSONS


def test_the_tljh_recipe_sets_the_same_memory_and_cpu_limits():
    limits = json.loads(SIZING.read_text())["limits"]
    text = (DEPLOY / "tljh.md").read_text()
    assert f"tljh-config set limits.memory {limits['memory_limit_mib']}M" in text
    assert f"tljh-config set limits.cpu {limits['cpu_limit']:g}" in text


def test_docs_deploy_md_shows_the_shipped_measurement():
    table = json.loads(SIZING.read_text())
    text = (ROOT / "docs" / "deploy.md").read_text()
    for stem, row in table["lessons"].items():
        match = re.search(rf"^\| {re.escape(stem)} \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \|", text, flags=re.M)
        assert match, f"docs/deploy.md's sizing table has no row for {stem}"
        shown = tuple(float(each) for each in match.groups())
        assert shown == (round(row["kernel_peak_mib"]), round(row["kernel_end_mib"]), round(row["cpu_s"], 1)), (
            f"docs/deploy.md shows {shown} for {stem}; deploy/sizing.json has {row}")
    assert f"{round(table['server_mib'])} MiB" in text
    limits = table["limits"]
    for number in (f"{limits['memory_guarantee_mib']}M", f"{limits['memory_limit_mib']}M"):
        assert number in text, f"docs/deploy.md does not give the limit {number}"
