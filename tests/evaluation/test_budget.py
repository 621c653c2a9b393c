"""The final-evaluation budget: worked examples, the bound itself, idempotence, the subset."""

import itertools

import torch

from vaekit.config import EvalConfig
from vaekit.data import ArrayDataset
from vaekit.evaluation.budget import ELBO_DECODES, MIN_DECODES, budgeted, capped


def test_worked_examples():
    cfg = EvalConfig()  # k = 500, budget 1.5
    # the README quick start (60 epochs × 4000 examples, 500 test images): untouched
    assert budgeted(cfg, 4000, 60, 500) == cfg
    # one epoch on data.subset=2000 of dSprites (73 728 test images): 3000 decodes
    small = budgeted(cfg, 2000, 1, 73_728)
    assert (small.max_examples, small.nll_samples) == (750, 2)
    # a tiny test run keeps its settings: below MIN_DECODES nothing is bounded
    tiny = EvalConfig(nll_samples=4)
    assert budgeted(tiny, 200, 1, 180) == tiny
    assert budgeted(EvalConfig(budget=None), 10, 1, 10**6) == EvalConfig(budget=None)


def test_the_bound_holds_and_is_idempotent():
    for train, epochs, split, k, budget in itertools.product(
        (100, 2000, 50_000), (1, 10), (50, 5000, 100_000), (0, 5, 500), (0.1, 1.5)
    ):
        cfg = EvalConfig(nll_samples=k, budget=budget)
        out = budgeted(cfg, train, epochs, split)
        n = split if out.max_examples is None else out.max_examples
        decodes = max(budget * epochs * train, MIN_DECODES)
        assert n <= split and out.nll_samples <= k and (k == 0) == (out.nll_samples == 0)
        if out != cfg:  # whatever was cut fits the budget
            assert n * (ELBO_DECODES + out.nll_samples) <= decodes
        assert budgeted(out, train, epochs, split) == out


def test_capped_is_a_fixed_subset_in_order():
    data = ArrayDataset(torch.arange(100.0).unsqueeze(1))
    assert capped(data, None) is data and capped(data, 100) is data
    a, b = capped(data, 10), capped(data, 10)
    assert len(a) == 10 and torch.equal(a.x, b.x)
    assert torch.all(a.x[1:, 0] > a.x[:-1, 0])  # the data's order
    assert not torch.equal(a.x[:, 0], torch.arange(10.0))  # not just the first ten
