"""Shared fixtures."""

import pytest
import torch


@pytest.fixture
def float64():
    """Run a numerical test with float64 as the default dtype, then restore it."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)
