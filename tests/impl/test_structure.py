"""impl's module structure: imports form a DAG (no lazy import breaks a cycle), Tensor's methods are
attached in one module, and no module reaches into another's private names or the call stack."""

from __future__ import annotations

import ast
import graphlib
import re
from pathlib import Path

import impl

IMPL = Path(impl.__file__).parent
SOURCES = {path: path.read_text() for path in IMPL.rglob("*.py")}


def _module(path: Path) -> str:
    return ("impl." + ".".join(path.relative_to(IMPL).with_suffix("").parts)).removesuffix(".__init__")


def _runtime_imports(source: str) -> list[ast.ImportFrom | ast.Import]:
    """The import statements that run (those under `if TYPE_CHECKING:` are for type checkers only)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    return [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom | ast.Import)]


def test_imports_form_a_dag() -> None:
    """Module A imports B only if B does not (indirectly) import A; `from impl.x import y` of a
    submodule y counts as importing impl.x.y."""
    modules = {_module(path) for path in SOURCES}
    graph: dict[str, set[str]] = {}
    for path, source in SOURCES.items():
        deps = set()
        for node in _runtime_imports(source):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "impl":
                deps |= {f"{node.module}.{a.name}" for a in node.names} & modules
                if node.module != "impl":
                    deps.add(node.module)
        graph[_module(path)] = deps - {_module(path)}
    order = list(graphlib.TopologicalSorter(graph).static_order())  # raises CycleError on a cycle
    assert order.index("impl.tensor") < order.index("impl.autograd")  # tensor.py needs no autograd


def test_no_import_inside_a_function() -> None:
    """Every runtime import is at a module's top level (none is deferred to break a cycle)."""
    deferred = []
    for path, source in SOURCES.items():
        tree = ast.parse(source)
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef):
                deferred += [
                    f"{path.name}:{node.lineno}"
                    for node in ast.walk(function)
                    if isinstance(node, ast.Import | ast.ImportFrom)
                ]
    assert not deferred, deferred


def test_no_private_name_crosses_modules() -> None:
    """No `from impl.x import _private` and no `module._private` use of another impl module."""
    modules = {_module(path).rsplit(".", 1)[-1] for path in SOURCES}
    crossings = []
    for source in SOURCES.values():
        crossings += re.findall(r"from impl[\w.]* import .*\b_[a-z]\w*", source)
        crossings += [m for m in re.findall(r"\b(\w+)\._[a-z]\w*\(", source) if m in modules]
    assert not crossings, crossings


def test_no_stack_inspection_or_dict_probing() -> None:
    for path, source in SOURCES.items():
        assert "_getframe" not in source, path
        assert "__dict__.get" not in source, path


def test_tensor_attributes_are_attached_in_methods_py_only() -> None:
    offenders = [
        path.name
        for path, source in SOURCES.items()
        if path.name != "methods.py" and re.search(r"setattr\(Tensor|Tensor\.\w+ = ", source)
    ]
    assert not offenders, offenders
