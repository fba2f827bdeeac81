"""The deployment recipes in deploy/: the Zero to JupyterHub values file is valid for the chart's values schema, and
its per-learner memory and CPU are exactly what the documented rule (``scalingedu.tools.sizing.derive_limits``) gives
from the shipped measurement (``deploy/sizing.json``); the TLJH recipe and docs/deploy.md quote the same numbers, so
none of them can drift silently.

The schema is the chart's own ``jupyterhub/values.schema.yaml`` (a JSON schema, draft-07, in YAML), stored unchanged
in deploy/z2jh/schema/ with the chart's default ``jupyterhub/values.yaml`` (the README there says from which commits).
helm validates the *merged* values (the chart's defaults deep-merged with the user's file) against that schema before
rendering; :func:`helm_merge` does the same merge and the tests validate its result.

The two stored files are not of the same chart version: the schema is from a 3.x chart, the only stored defaults are
from a 0.x one. The defaults alone therefore fail the schema in a few known places (:data:`KNOWN_DEFAULTS_ERRORS`);
the merge test accepts exactly those and nothing that values.yaml adds. A second test validates values.yaml on its
own against the schema without its ``required`` lists (what a user file may leave to the defaults), which does not
depend on the defaults at all.
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
SCHEMA = DEPLOY / "z2jh" / "schema" / "values.schema.yaml"
CHART_VALUES = DEPLOY / "z2jh" / "schema" / "chart-values.yaml"
SIZING = DEPLOY / "sizing.json"

# Where the stored 0.x chart defaults fail the stored 3.x schema, as (path, validator): keys the chart has since
# removed (auth, hub.imagePullSecret, ...) and ones it has since added and requires (imagePullSecrets, global,
# rbac.create, ...). None of them is a key values.yaml sets. If chart-values.yaml is refreshed to the schema's own
# version (deploy/z2jh/schema/README.md), this becomes empty.
KNOWN_DEFAULTS_ERRORS = {
    ("", "additionalProperties"),
    ("", "required"),
    ("hub", "additionalProperties"),
    ("hub.image.pullSecrets", "type"),
    ("proxy", "additionalProperties"),
    ("rbac", "required"),
    ("scheduling.userScheduler", "required"),
    ("singleuser", "additionalProperties"),
}


def helm_merge(defaults, overrides):
    """``overrides`` deep-merged into ``defaults`` the way helm merges a values file into a chart's defaults.

    Mappings are merged key by key, recursively; any other value (a list included) replaces the default whole; a
    null in ``overrides`` deletes the key. Neither argument is modified.
    """
    merged = copy.deepcopy(defaults) if isinstance(defaults, dict) else {}
    for key, value in overrides.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict):
            merged[key] = helm_merge(merged.get(key), value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _values() -> dict:
    return _load(VALUES)


def _errors(schema: dict, document) -> list[tuple[str, str, str]]:
    """Every schema error in ``document`` as (dotted path, validator, message), sorted."""
    found = jsonschema.Draft7Validator(schema).iter_errors(document)
    return sorted((".".join(str(part) for part in error.absolute_path), error.validator, error.message)
                  for error in found)


def _without_required(node):
    """The schema with every ``required`` list dropped: what a values file may leave to the chart's defaults."""
    if isinstance(node, dict):
        return {key: _without_required(value) for key, value in node.items()
                if not (key == "required" and isinstance(value, list))}
    if isinstance(node, list):
        return [_without_required(each) for each in node]
    return node


def merged_problems(user_values: dict) -> list[tuple[str, str, str]]:
    """Schema errors of the chart's defaults merged with ``user_values`` that the defaults alone do not have."""
    schema, defaults = _load(SCHEMA), _load(CHART_VALUES)
    known = set(_errors(schema, defaults))
    return [error for error in _errors(schema, helm_merge(defaults, user_values)) if error not in known]


def own_problems(user_values: dict) -> list[tuple[str, str, str]]:
    """Schema errors of ``user_values`` on its own (keys it may leave out are not required)."""
    return _errors(_without_required(_load(SCHEMA)), user_values)


def _report(problems) -> str:
    return "\n".join(f"  {path or '<root>'}: {message} [{validator}]" for path, validator, message in problems)


def test_the_stored_chart_files_parse_and_the_schema_is_a_valid_draft7_schema():
    schema = _load(SCHEMA)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)
    defaults = _load(CHART_VALUES)
    assert isinstance(defaults, dict) and {"hub", "proxy", "singleuser", "cull"} <= set(defaults)


def test_the_stored_defaults_fail_the_stored_schema_only_where_known():
    # The version gap between the two stored files, pinned: a refresh of either shows up here.
    found = {(path, validator) for path, validator, _ in _errors(_load(SCHEMA), _load(CHART_VALUES))}
    assert found == KNOWN_DEFAULTS_ERRORS, "the stored chart files changed: update KNOWN_DEFAULTS_ERRORS and the README"


def test_values_yaml_is_valid_for_the_charts_schema_after_helm_merges_it_with_the_defaults():
    problems = merged_problems(_values())
    assert not problems, "the merged values fail the chart's schema:\n" + _report(problems)


def test_values_yaml_on_its_own_sets_only_keys_the_schema_knows_with_the_right_types():
    problems = own_problems(_values())
    assert not problems, "values.yaml fails the chart's schema:\n" + _report(problems)


@pytest.mark.parametrize(("where", "value"), [
    (("singleuser", "defaultUrll"), "/lab"),              # a misspelt key
    (("singleusr",), {"defaultUrl": "/lab"}),              # a misspelt section
    (("cull", "timeout"), "an hour"),                      # a string where the culler takes seconds
    (("cull", "enabled"), None),                           # null deletes a key the chart requires
    (("singleuser", "cpu", "limit"), "1.5"),               # CPU as a string (chart 1.0 and later take numbers)
    (("singleuser", "memory", "limit"), ["896M"]),         # a list where a size goes
    (("singleuser", "image", "pullPolicy"), "Sometimes"),  # not one of the pull policies
])
def test_the_schema_check_rejects_a_broken_values_file(where, value):
    # If the validation above could not fail, it would prove nothing.
    broken = _values()
    node = broken
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    assert merged_problems(broken), f"setting {'.'.join(where)} to {value!r} passed the merged validation"
    assert own_problems(broken), f"setting {'.'.join(where)} to {value!r} passed the own validation"


def test_helm_merge_merges_mappings_replaces_everything_else_and_deletes_nulls():
    defaults = {"a": {"b": 1, "c": [1, 2], "d": {"e": 1, "f": 2}}, "g": "x", "h": {"i": 1}, "j": None}
    overrides = {"a": {"c": [3], "d": {"f": 3, "k": 4}, "b": None}, "g": {"now": "a mapping"}, "h": None,
                 "l": [{"m": 1}]}
    before = copy.deepcopy((defaults, overrides))
    assert helm_merge(defaults, overrides) == {
        "a": {"c": [3], "d": {"e": 1, "f": 3, "k": 4}},
        "g": {"now": "a mapping"},
        "j": None,  # a null among the defaults stays (the chart's schema allows null where its defaults have one)
        "l": [{"m": 1}],
    }
    assert (defaults, overrides) == before, "helm_merge changed its arguments"
    assert helm_merge({"a": [{"b": 1}, {"c": 2}]}, {"a": [{"b": 3}]}) == {"a": [{"b": 3}]}, "lists are not merged"
    assert helm_merge({"a": {"b": 1}}, {}) == {"a": {"b": 1}}


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
