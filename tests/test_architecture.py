"""The package's layers, read from its source with ``ast`` (nothing is imported to build the graph).

- No import cycle between modules of ``scalingedu``: imports inside functions count, and relative
  imports are resolved.
- Only ``scalingedu/widgets/`` and ``scalingedu/tools/`` import ``scalingedu.widgets``: the model
  layer never depends on the presentation layer.
- A lesson imports from ``scalingedu.widgets.<slug>`` only the widget classes listed in that
  module's ``WIDGETS``; numbers and model functions come from the model modules.
"""
from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "scalingedu"
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MAY_IMPORT_WIDGETS = ("scalingedu.widgets", "scalingedu.tools")



def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _resolve(importer: str, is_package: bool, level: int, module: str | None) -> str:
    """The absolute name of ``from <level dots><module> import ...`` written in ``importer``."""
    if level == 0:
        return module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[:-(level - 1)]
    return ".".join(base + ([module] if module else []))


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of scalingedu that ``name`` imports anywhere in its source."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(name, is_package, node.level, node.module)
            # ``from pkg import sub`` imports the module pkg.sub if there is one, else a name of pkg
            targets = [target] + [f"{target}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(target for target in targets if target in modules)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    """Every module of scalingedu, with the modules of scalingedu it imports."""
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        work = [(node, iter(sorted(graph.get(node, ()))))]
        while work:
            current, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[current])
                if low[current] == index[current]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == current:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on_stack:
                low[current] = min(low[current], index[child])

    for root in sorted(graph):
        if root not in index:
            visit(root)
    return components


def test_the_graph_sees_relative_lazy_and_absolute_imports():
    graph = import_graph()
    assert "scalingedu.data" in graph["scalingedu.compute"]                # from .data import ...
    assert "scalingedu._validate" in graph["scalingedu.compute"]           # from . import _validate
    assert "scalingedu.widgets.base" in graph["scalingedu.widgets.capstone"]   # from .base import
    assert "scalingedu.transformer" in graph["scalingedu.compute"]         # inside a function
    assert "scalingedu.widgets" in graph["scalingedu.tools.bench"]         # from ..widgets import
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_modules():
    found = cycles(import_graph())
    assert not found, "import cycles: " + "; ".join(" <-> ".join(each) for each in found)


def test_only_widgets_and_tools_import_the_widgets():
    offenders = sorted(f"{source} imports {target}" for source, targets in import_graph().items()
                       if not any(_within(source, allowed) for allowed in MAY_IMPORT_WIDGETS)
                       for target in targets if _within(target, "scalingedu.widgets"))
    assert not offenders, offenders


def _code_cells(path: Path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for number, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        # IPython magics and shell escapes are not Python: blank them out, keeping line numbers
        lines = ["" if line.lstrip().startswith(("%", "!")) else line
                 for line in "".join(cell["source"]).splitlines()]
        yield number, ast.parse("\n".join(lines))


def _widget_imports(path: Path):
    """(cell number, module, names) of every import from scalingedu.widgets in a notebook."""
    for number, tree in _code_cells(path):
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                module = node.module or ""
                if _within(module, "scalingedu.widgets"):
                    yield number, module, [alias.name for alias in node.names]
                elif module == "scalingedu" and any(a.name == "widgets" for a in node.names):
                    yield number, module, ["widgets"]
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if _within(alias.name, "scalingedu.widgets"):
                        yield number, alias.name, ["(the whole module)"]


@pytest.mark.parametrize("path", LESSONS, ids=[path.stem for path in LESSONS])
def test_lessons_import_only_widget_classes_from_widget_modules(path):
    problems = []
    for number, module_name, names in _widget_imports(path):
        module = importlib.import_module(module_name) if module_name != "scalingedu" else None
        listed = {cls.__name__ for cls in getattr(module, "WIDGETS", ())}
        problems += [f"cell {number}: {name} from {module_name} (its WIDGETS: {sorted(listed)})"
                     for name in names if name not in listed]
    assert not problems, ("import model functions and numbers from the model modules: "
                          + "; ".join(problems))
