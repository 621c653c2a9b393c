"""Shared fixtures."""

import os

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def isolated_cache(tmp_path_factory):
    """Keep vaekit's cache (feature classifiers) out of the user's home during tests;
    subprocesses started by CLI tests inherit it."""
    old = os.environ.get("VAEKIT_CACHE")
    os.environ["VAEKIT_CACHE"] = str(tmp_path_factory.mktemp("vaekit-cache"))
    yield
    if old is None:
        os.environ.pop("VAEKIT_CACHE", None)
    else:
        os.environ["VAEKIT_CACHE"] = old


@pytest.fixture
def float64():
    """Run a numerical test with float64 as the default dtype, then restore it."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)
