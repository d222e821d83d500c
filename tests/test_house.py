"""The house rules of the package, checked on its source (no code of it is run).

* no module of ``buurtgeo/`` over 1,200 lines;
* no function body (its docstring aside) over 120 lines;
* no import cycle between buurtgeo's modules, imports inside functions and under
  ``if TYPE_CHECKING:`` included (a layer that needs a higher one's type for its
  annotations describes what it reads as a Protocol instead, as ``report.AnalysisLike``).

They keep each module to one job: a newcomer finds a loader, an indicator or a map
layer by the folder listing (see CONTRIBUTING.md).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "buurtgeo"
MAX_MODULE_LINES = 1200
MAX_FUNCTION_LINES = 120


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    body = node.body
    first = body[0]
    is_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    if is_doc and isinstance(first.value.value, str):
        if len(body) == 1:
            return 0
        first = body[1]
    return node.end_lineno - first.lineno + 1


def _imports(name: str, path: Path) -> set[str]:
    """buurtgeo modules that ``name`` imports anywhere in its source (functions and
    ``if TYPE_CHECKING:`` blocks too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # ``from pkg import mod`` names the module; ``from pkg import func`` the package
            targets = [
                f"{module}.{alias.name}" if f"{module}.{alias.name}" in MODULES else module
                for alias in node.names
            ]
        for target in targets:
            # the longest known module that the import names (a module or a name in it)
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name and target.startswith("buurtgeo"):
                found.add(target)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_at_most_1200_lines(name: str) -> None:
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines: split it by job"


def test_no_function_body_over_120_lines() -> None:
    long = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = _body_lines(node)
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name} ({n} lines)")
    assert not long, "function bodies over 120 lines: " + ", ".join(long)


def test_no_import_cycles() -> None:
    graph = {name: _imports(name, path) for name, path in MODULES.items()}
    cycles = _cycles(graph)
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_the_rules_see_a_cycle_and_a_long_function() -> None:
    """The checks above can fail: a two-module cycle and a 121-line body are caught."""
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    source = "def f():\n    '''doc'''\n" + "    x = 1\n" * 121
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.FunctionDef) and _body_lines(node) == 121


def test_imports_for_the_type_checker_and_in_functions_count(tmp_path: Path) -> None:
    """Every import statement is followed: under ``if TYPE_CHECKING:`` (either spelling,
    and its ``else``) and inside a function."""
    path = tmp_path / "report.py"
    path.write_text(
        "from typing import TYPE_CHECKING\n"
        "import typing\n"
        "if TYPE_CHECKING:\n"
        "    from buurtgeo.pipeline import Analysis\n"
        "if typing.TYPE_CHECKING:\n"
        "    import buurtgeo.network\n"
        "else:\n"
        "    import buurtgeo.schema\n"
        "def f():\n"
        "    from buurtgeo.config import load_config\n",
        encoding="utf-8",
    )
    assert _imports("buurtgeo.report", path) == {
        "buurtgeo.config",
        "buurtgeo.network",
        "buurtgeo.pipeline",
        "buurtgeo.schema",
    }


def test_every_data_file_of_the_package_ships():
    """A file the package reads at run time (the template, the maps' assets, py.typed) is
    named in pyproject's package-data, so a wheel (not only an editable install) has it."""
    import fnmatch
    import tomllib

    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    data = config["tool"]["setuptools"]["package-data"]
    unshipped = []
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        # the nearest package above the file and the file's path below it
        owner = path.parent
        while not (owner / "__init__.py").is_file():
            owner = owner.parent
        package = ".".join(owner.relative_to(PACKAGE.parent).parts)
        below = path.relative_to(owner).as_posix()
        if not any(fnmatch.fnmatch(below, pattern) for pattern in data.get(package, [])):
            unshipped.append(f"{package}: {below}")
    assert not unshipped, "not in [tool.setuptools.package-data]: " + ", ".join(unshipped)


def _untranslated_warnings(path: Path) -> list[int]:
    """Lines of ``path`` that warn the user without a Dutch text: a ``warnings.warn`` whose
    message is not ``InputWarning(..., nl=...)``, or a ``warn_user`` without ``nl=``."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "warn_user":
            if not any(k.arg == "nl" for k in node.keywords):
                lines.append(node.lineno)
        elif (
            isinstance(func, ast.Attribute)
            and func.attr == "warn"
            and isinstance(func.value, ast.Name)
            and func.value.id == "warnings"
        ):
            message = node.args[0] if node.args else None
            translated = (
                isinstance(message, ast.Call)
                and isinstance(message.func, ast.Name)
                and message.func.id == "InputWarning"
                and any(k.arg == "nl" for k in message.keywords)
            )
            if not translated:
                lines.append(node.lineno)
    return lines


def test_every_warning_to_the_user_has_a_dutch_text(tmp_path: Path) -> None:
    """A Dutch run lists the stages' warnings in its summary: each is an InputWarning
    with its Dutch text (the rule sees a plain warning)."""
    missing = {
        name: lines for name, path in MODULES.items() if (lines := _untranslated_warnings(path))
    }
    assert not missing, f"warnings without nl=: {missing}"
    plain = tmp_path / "plain.py"
    plain.write_text(
        "import warnings\n"
        "warnings.warn('x', UserWarning)\n"
        "warnings.warn(InputWarning('x', nl='y'))\n"
        "warn_user('x')\n",
        encoding="utf-8",
    )
    assert _untranslated_warnings(plain) == [2, 4]
