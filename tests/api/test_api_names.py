"""``vaekit.api`` imports its modules on first use; every public name resolves."""

import importlib

import vaekit.api


def test_every_public_name_resolves_from_its_module():
    assert set(vaekit.api.__all__) == set(vaekit.api._WHERE)
    for name in vaekit.api.__all__:
        module = importlib.import_module(vaekit.api._WHERE[name])
        assert getattr(vaekit.api, name) is getattr(module, name)
