"""The prior over codes: exact normalisation, causality, sampling that matches log_prob."""

import itertools

import pytest
import torch

from vaekit.api.prior import CodePriorStep, encode_codes
from vaekit.data import ArrayDataset
from vaekit.models import MODELS
from vaekit.priors import CODE_PRIORS, TransformerPrior
from vaekit.types import Batch, StepContext


def prior(vocab: int, length: int, seed: int = 0) -> TransformerPrior:
    torch.manual_seed(seed)
    p = CODE_PRIORS.build(
        {"name": "transformer", "width": 16, "heads": 2, "layers": 2},
        vocab_size=vocab,
        length=length,
    )
    with torch.no_grad():  # sharpen the random conditionals so they are far from uniform
        p.head.weight.mul_(20)
    return p.eval()


def all_sequences(vocab: int, length: int) -> torch.Tensor:
    return torch.tensor(list(itertools.product(range(vocab), repeat=length)))


@pytest.mark.parametrize(("vocab", "length"), [(3, 3), (2, 5), (5, 1)])
def test_log_probs_sum_to_one_over_every_sequence(float64, vocab, length):
    p = prior(vocab, length)
    log_p = p.log_prob(all_sequences(vocab, length))
    assert log_p.shape == (vocab**length,)
    assert torch.logsumexp(log_p, 0).item() == pytest.approx(0.0, abs=1e-12)


def test_later_codes_do_not_change_earlier_conditionals(float64):
    p = prior(4, 6)
    a = torch.tensor([[1, 2, 3, 0, 1, 2]])
    for t in range(6):
        b = a.clone()
        b[0, t:] = (b[0, t:] + 1) % 4
        la, lb = p.logits(a[:, :-1]), p.logits(b[:, :-1])
        # row j predicts code j from codes < j: rows up to t see identical prefixes
        torch.testing.assert_close(la[:, : t + 1], lb[:, : t + 1], rtol=0, atol=1e-12)
        if t < 5:
            assert not torch.allclose(la[:, t + 1], lb[:, t + 1])


def test_samples_follow_the_probabilities():
    p = prior(3, 2, seed=1)
    seqs = all_sequences(3, 2)
    probs = p.log_prob(seqs).exp()
    torch.manual_seed(0)
    n = 20_000
    draws = p.sample(n)
    assert draws.shape == (n, 2) and draws.dtype == torch.int64
    freq = torch.bincount(draws[:, 0] * 3 + draws[:, 1], minlength=9).double() / n
    sigma = (probs * (1 - probs) / n).sqrt()
    assert ((freq - probs).abs() <= 5 * sigma + 1e-3).all(), (freq, probs)


def test_the_engine_step_is_the_mean_nll_in_nats():
    p = prior(4, 3)
    step = CodePriorStep(p)
    codes = torch.tensor([[0, 1, 2], [3, 3, 0]])
    out = step.step(Batch(codes.float(), None), StepContext())
    torch.testing.assert_close(out.terms["nll"], -p.log_prob(codes))
    torch.testing.assert_close(out.loss, out.terms["nll"].mean())


def test_multi_index_codes_flatten_stages_consecutively():
    torch.manual_seed(0)
    model = MODELS.get("rvq_vae")(
        latent_dim=4, quantizer={"name": "residual_vq", "stages": 3, "codebook_size": 8}
    ).build((1, 8, 8))
    x = torch.rand(5, 1, 8, 8)
    codes = encode_codes(model, ArrayDataset(x), batch=2)
    indices = model.eval().encode(x).indices  # (5, 2, 2, 3)
    assert codes.x.shape == (5, model.code_length) == (5, 12)
    assert torch.equal(codes.x.long().view(5, 2, 2, 3), indices)
    assert torch.equal(codes.x[:, :3].long(), indices[:, 0, 0])  # position (0, 0), stages 1..3
