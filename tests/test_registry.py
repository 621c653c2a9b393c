"""The generic registry: registration, lookup errors that list choices, spec building."""

import sys

import pytest

from vaekit.registry import ConfigError, Registry, UnknownNameError


def _reg():
    reg = Registry("widget")

    @reg.register("round")
    class Round:
        """A round widget."""

        def __init__(self, size: int, color: str = "red"):
            self.size, self.color = size, color

    return reg


def test_lookup_lists_choices():
    reg = _reg()
    with pytest.raises(UnknownNameError, match="unknown widget 'square'; valid choices: round"):
        reg.get("square")
    assert reg.names() == ["round"] and "round" in reg
    assert reg.describe() == {"round": "A round widget."}


def test_double_registration_is_an_error():
    reg = _reg()
    with pytest.raises(ValueError, match="twice"):
        reg.register("round")(object)


def test_build_from_name_and_mapping():
    reg = _reg()
    assert reg.build("round", size=3).size == 3
    w = reg.build({"name": "round", "color": "blue"}, size=2)
    assert (w.size, w.color) == (2, "blue")
    with pytest.raises(ConfigError, match="no option 'colour'; valid options: size, color"):
        reg.build({"name": "round", "colour": "blue"}, size=1)
    with pytest.raises(ConfigError, match="spec must be a name"):
        reg.build({"color": "blue"}, size=1)


def test_an_option_the_holder_sets_cannot_be_given_in_the_spec():
    reg = _reg()
    with pytest.raises(ConfigError, match="widget 'round': size is set by the part that holds it"):
        reg.build({"name": "round", "size": 4}, size=2)


LAZY_MODULE = '''
from lazy_widgets_registry import REG

@REG.register("square")
def square(size: int = 1):
    """A square widget."""
    return ("square", size)
'''


@pytest.fixture
def lazy_reg(tmp_path, monkeypatch):
    """A registry in an importable module, with ``square`` declared in ``lazy_widgets``."""
    (tmp_path / "lazy_widgets_registry.py").write_text(
        "from vaekit.registry import Registry\nREG = Registry('widget')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("lazy_widgets_registry", "lazy_widgets"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    from lazy_widgets_registry import REG

    return REG, tmp_path / "lazy_widgets.py"


def test_lazy_names_are_listed_without_import_and_built_on_lookup(lazy_reg):
    reg, module = lazy_reg
    module.write_text(LAZY_MODULE)
    reg.register_lazily("lazy_widgets", "square")
    assert reg.names() == ["square"] and "square" in reg
    assert "lazy_widgets" not in sys.modules
    assert reg.build({"name": "square", "size": 3}) == ("square", 3)
    assert "lazy_widgets" in sys.modules
    assert reg.describe() == {"square": "A square widget."}


def test_a_lazy_name_its_module_does_not_register_is_an_error(lazy_reg):
    reg, module = lazy_reg
    module.write_text(LAZY_MODULE)
    reg.register_lazily("lazy_widgets", "square", "circle")
    with pytest.raises(ValueError, match="did not register 'circle'"):
        reg.get("circle")


def test_a_lazy_module_cannot_register_an_undeclared_name(lazy_reg):
    reg, module = lazy_reg
    module.write_text(LAZY_MODULE)
    reg.register_lazily("lazy_widgets", "circle")  # the module registers square instead
    with pytest.raises(ValueError, match="'square': registered in lazy_widgets"):
        reg.get("circle")
