"""The dependency direction of ARCHITECTURE.md, checked on the import statements."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "vaekit"
BASE = {"registry", "config", "types", "ops", "files", "__init__"}
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
    "engine": set(),
    "api": {
        "api_prior",
        "diagnose",
        "engine",
        "evaluation",
        "viz",
        "models",
        "data",
        "distributions",
        *PARTS,
        "nn",
        "metrics",
    },
    "api_prior": {"engine", "viz", "data", "priors"},
    "diagnose": {"engine", "evaluation", "viz", "models", "data", "metrics"},
    "cli": {"api", "api_prior", "engine", "viz", "models", "data", "evaluation", "metrics"},
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
