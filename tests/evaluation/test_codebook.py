"""Codebook evaluation: known answers on hand-made indices, and the quantized EvalResult."""

import math

import pytest
import torch

from vaekit.config import EvalConfig
from vaekit.data import ArrayDataset
from vaekit.evaluation.codebook import code_counts, codebook_stats, histogram
from vaekit.evaluation.report import evaluate_model
from vaekit.metrics.codebook import CodebookThresholds, codebook_verdict
from vaekit.models import MODELS
from vaekit.priors import TransformerPrior
from vaekit.registry import ConfigError


def test_usage_perplexity_and_dead_codes_known_answers():
    counts = histogram(torch.tensor([[0, 1], [1, 0]]), codebook_size=4)
    assert counts.tolist() == [[2, 2, 0, 0]]
    stats = codebook_stats(counts)
    assert stats.usage == 0.5 and stats.dead_codes == 2
    assert stats.perplexity == pytest.approx(2.0, abs=1e-12)
    assert stats.perplexity_norm == pytest.approx(0.5) and stats.entropy_bits == pytest.approx(1)
    one = codebook_stats(histogram(torch.zeros(7, dtype=torch.long), 4))
    assert (one.usage, one.dead_codes) == (0.25, 3)
    assert one.perplexity == pytest.approx(1.0, abs=1e-12) and one.entropy_bits == 0
    uniform = codebook_stats(histogram(torch.arange(8) % 8, 8))
    assert uniform.usage == 1.0 and uniform.perplexity == pytest.approx(8.0, abs=1e-12)
    assert uniform.perplexity_norm == pytest.approx(1.0) and uniform.entropy_bits == pytest.approx(
        3
    )
    # every code used, but one takes almost everything: full usage, low normalised perplexity
    skewed = codebook_stats(torch.tensor([[1000, 1, 1, 1]]))
    assert skewed.usage == 1.0 and skewed.perplexity_norm < 0.3


def test_stages_are_counted_separately_and_averaged():
    # two positions, three stages: stage 1 uses {0, 1}, stage 2 {2}, stage 3 {3, 0}
    indices = torch.tensor([[[0, 2, 3], [1, 2, 0]]])
    counts = histogram(indices, codebook_size=4, stages=3)
    assert counts.tolist() == [[1, 1, 0, 0], [0, 0, 2, 0], [1, 0, 0, 1]]
    stats = codebook_stats(counts)
    assert stats.usage == pytest.approx(5 / 12) and stats.dead_codes == 7
    assert stats.perplexity == pytest.approx((2 + 1 + 2) / 3, abs=1e-12)
    assert stats.perplexity_norm == pytest.approx(5 / 12) and stats.entropy_bits == pytest.approx(
        2 / 3
    )


def test_codebook_verdict_labels_against_the_thresholds():
    few = torch.zeros(512, dtype=torch.long)
    few[:2] = torch.tensor([9800, 8200])  # the collapsed vqvae_ema run of issue 12
    v = codebook_verdict(few)
    assert v.overall == "collapsed" and v.labels == ("collapsed",) and v.dead_codes == (510,)
    assert "2 of 512 codes used (0.4%" in v.reason and "510 dead" in v.reason
    uneven = torch.ones(512, dtype=torch.long)
    uneven[0] = 100_000  # every code used, nearly all assignments on one: perplexity/K ≈ 0.002
    assert codebook_verdict(uneven).overall == "partially collapsed"
    half = torch.zeros(512, dtype=torch.long)
    half[:256] = 10  # half the codes, used evenly: on both thresholds
    assert codebook_verdict(half).overall == "healthy"
    stages = torch.stack([half, few])  # a healthy stage and a collapsed one
    v = codebook_verdict(stages)
    assert v.labels == ("healthy", "collapsed") and v.overall == "partially collapsed"
    assert v.reason.startswith("stage 2: 2 of 512")
    strict = codebook_verdict(half, CodebookThresholds(usage=0.6))
    assert strict.overall == "partially collapsed"
    assert strict.to_dict()["thresholds"] == {"collapsed": 0.1, "usage": 0.6, "perplexity": 0.1}
    with pytest.raises(ConfigError):
        CodebookThresholds(collapsed=0.7, usage=0.5)


@pytest.fixture(scope="module")
def model_and_data():
    torch.manual_seed(0)
    model = MODELS.get("rvq_vae")(
        latent_dim=4,
        encoder={"name": "conv_grid", "channels": 8},
        decoder={"name": "conv_grid", "channels": 8},
        quantizer={"name": "residual_vq", "stages": 2, "codebook_size": 16},
    ).build((1, 8, 8))
    return model.eval(), torch.rand(40, 1, 8, 8).round()


def test_quantized_evaluation_without_a_prior(model_and_data):
    model, x = model_and_data
    r = evaluate_model(model, ArrayDataset(x), EvalConfig())
    assert r.elbo is None and r.nll is None and r.kl is None and r.bits_per_dim is None
    assert r.recon > 0 and r.num_examples == 40
    counts = code_counts(model, ArrayDataset(x), batch_size=7)
    assert counts.shape == (2, 16) and counts.sum(1).tolist() == [40 * 4, 40 * 4]
    stats = codebook_stats(counts)
    assert r.extras["codebook_usage"] == pytest.approx(stats.usage)
    assert r.extras["perplexity"] == pytest.approx(stats.perplexity)
    assert r.extras["dead_codes"] == stats.dead_codes == round(32 * (1 - stats.usage))
    assert r.extras["perplexity_norm"] == pytest.approx(stats.perplexity_norm)
    assert r.extras["code_entropy_bits"] == pytest.approx(stats.entropy_bits)
    assert r.extras["codebook_verdict"] == codebook_verdict(counts).to_dict()
    for key in ("codebook_usage", "perplexity", "dead_codes", "mse", "quant_error"):
        assert key in r.to_dict()
    x_hat = model.reconstruct(x)
    assert r.extras["mse"] == pytest.approx((x_hat - x).pow(2).mean().item(), rel=1e-5)


def test_with_a_prior_the_nll_is_rate_plus_distortion_in_bits_per_dim(model_and_data):
    model, x = model_and_data
    model.prior = TransformerPrior(
        vocab_size=16, length=model.code_length, width=16, layers=1
    ).eval()
    try:
        r = evaluate_model(model, ArrayDataset(x), EvalConfig(), batch_size=16)
        with torch.no_grad():
            codes = model.encode(x)
            rate = -model.prior.log_prob(codes.indices.flatten(1)).double().mean().item()
            logits = model.decoder(codes.z_q).squeeze(1).squeeze(1)  # (B, 1, 1, 8, 8)
            bce = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, x.squeeze(1), reduction="none"
            )
            distortion = bce.double().sum((1, 2)).mean().item()
    finally:
        model.prior = None
    # independent of the evaluator: the rate from the prior, the distortion from the logits
    assert r.kl == pytest.approx(rate, rel=1e-5)
    assert r.recon == pytest.approx(distortion, rel=1e-5)
    assert r.nll == pytest.approx(rate + distortion, rel=1e-5)
    assert r.elbo == pytest.approx(-(rate + distortion), rel=1e-5)
    assert r.bits_per_dim == pytest.approx((rate + distortion) / (64 * math.log(2)), rel=1e-5)
    assert r.nll_samples == 1
