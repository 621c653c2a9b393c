"""The docs site (mkdocs.yml; CI builds it with ``mkdocs build --strict``): the models
table covers the registry, the API reference covers every package, every page is in the nav."""

import importlib.util
import re
from pathlib import Path

import yaml

from vaekit.models import MODELS

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "vaekit"


def _hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "scripts" / "docs_hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_model_has_a_purpose_and_nothing_stale():
    assert set(_hooks().PURPOSE) == set(MODELS.names())


def test_models_table_has_one_row_of_four_cells_per_model():
    rows = _hooks().models_table().splitlines()[2:]
    names = [re.match(r"\| `(\w+)` \|", row).group(1) for row in rows]
    assert names == MODELS.names()
    assert all(len(re.split(r"(?<!\\)\|", row)) == 6 for row in rows)  # a "|" in text is escaped
    beta = rows[names.index("beta_vae")]
    assert "`beta=4.0`" in beta and "Higgins et al. 2017" in beta


def test_key_hyperparameters_leave_out_the_common_fields():
    assert _hooks().key_hyperparameters(MODELS.get("vae")) == {}
    assert _hooks().key_hyperparameters(MODELS.get("iwae")) == {"k": 5, "dreg": False}


def test_the_home_page_is_the_readme_with_links_into_docs():
    class Page:
        class file:
            src_uri = "index.md"

    home = _hooks().on_page_markdown("", Page)
    assert home.startswith("# vaekit") and "](docs/" not in home
    assert "](architecture.md)" in home


def test_sphinx_roles_become_plain_code():
    html = "see :class:<code>~vaekit.rundir.RunDir</code> and :func:<code>load</code>"
    assert _hooks().on_page_content(html) == (
        "see <code>vaekit.rundir.RunDir</code> and <code>load</code>"
    )


def _nav_pages(nav):
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        yield from _nav_pages(value) if isinstance(value, list) else [value]


def test_every_page_is_in_the_nav_and_every_package_in_the_reference():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    pages = set(_nav_pages(config["nav"]))
    docs = ROOT / "docs"
    assert pages == {str(p.relative_to(docs)) for p in docs.rglob("*.md")}
    reference = "".join(p.read_text() for p in (docs / "reference").glob("*.md"))
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")} - {"cli"}
    missing = [name for name in sorted(packages) if f"::: vaekit.{name}\n" not in reference]
    assert missing == []
