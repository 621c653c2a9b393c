"""The dependency direction of ARCHITECTURE.md, and no import cycles, checked on the
import statements of every module."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "vaekit"
BASE = {
    "registry",
    "config",
    "types",
    "protocols",
    "ops",
    "progress",
    "parallel",
    "files",
    "faults",
    "rundir",
    "runlock",
    "version",
    "__init__",
}
PARTS = {"posteriors", "quantizers", "priors", "likelihoods", "objectives"}
# what each layer may import from vaekit (besides itself and the base modules)
ALLOWED = {
    "nn": set(),
    "distributions": set(),
    "data": set(),
    "metrics": set(),
    **{part: {"nn", "distributions"} for part in PARTS},
    "models": {*PARTS, "nn", "distributions"},
    "compression": {*PARTS, "nn", "distributions", "models"},
    "evaluation": {"models", "metrics", "distributions", "nn", "data", *PARTS},
    "viz": set(),
    "samplers": {"models", *PARTS, "nn", "distributions"},
    "engine": set(),
    "api": {
        "engine",
        "evaluation",
        "viz",
        "models",
        "data",
        "distributions",
        *PARTS,
        "nn",
        "metrics",
        "samplers",
    },
    "report": set(),
    "cli": {"api", "engine", "viz", "models", "data", "evaluation", "metrics", "ops", "report"},
}


def _layer(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("vaekit"):
            names = node.module.split(".")
            if len(names) == 1:
                yield from (a.name for a in node.names)
            else:
                yield names[1]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("vaekit."):
                    yield a.name.split(".")[1]


FILES = sorted(p for p in PACKAGE.rglob("*.py") if _layer(p) not in BASE | {"__main__"})


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_layers(path):
    layer = _layer(path)
    assert layer in ALLOWED, f"new layer {layer!r}: add it to ALLOWED"
    for target in _imports(path):
        if target in BASE or target == layer or target == "__version__":
            continue
        assert target in ALLOWED[layer], f"{layer} must not import vaekit.{target}"


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _module_level_imports(path: Path) -> set[str]:
    """vaekit modules imported when ``path`` is imported: statements at module level (also
    inside ``try``/``if``), not in functions and not under ``if TYPE_CHECKING``."""
    found: set[str] = set()
    this = _module_name(path)

    def visit(nodes):
        for node in nodes:
            if isinstance(node, ast.If):
                test = ast.unparse(node.test)
                if "TYPE_CHECKING" not in test:
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)
            elif isinstance(node, ast.ImportFrom) and node.module:
                base = node.module
                if node.level:
                    package = this if path.name == "__init__.py" else this.rsplit(".", 1)[0]
                    for _ in range(node.level - 1):
                        package = package.rsplit(".", 1)[0]
                    base = f"{package}.{node.module}"
                if base.startswith("vaekit"):
                    for alias in node.names:
                        sub = f"{base}.{alias.name}"
                        found.add(sub if sub in MODULES else base)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("vaekit"))

    visit(ast.parse(path.read_text()).body)
    return {m for m in found if m in MODULES and m != this}


def _cycles() -> list[list[str]]:
    graph = {name: sorted(_module_level_imports(p)) for name, p in MODULES.items()}
    cycles, state, stack = [], {}, []

    def dfs(node):
        state[node] = "open"
        stack.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == "open":
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                dfs(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            dfs(node)
    return cycles


def test_no_module_level_import_cycles():
    assert _cycles() == []


def test_the_cycle_check_finds_a_cycle(monkeypatch):
    real = _module_level_imports

    def with_cycle(path):
        found = real(path)
        if _module_name(path) == "vaekit.registry":
            found.add("vaekit.config")  # config imports registry: a cycle
        return found

    monkeypatch.setattr(f"{__name__}._module_level_imports", with_cycle)
    assert any({"vaekit.registry", "vaekit.config"} <= set(c) for c in _cycles())
