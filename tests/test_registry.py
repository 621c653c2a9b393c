"""The generic registry: registration, lookup errors that list choices, spec building."""

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
