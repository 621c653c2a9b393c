"""The ``--metrics`` wiring returns what vaekit.metrics returns on the same codes; the
sample-quality classifier is cached and its Fréchet distance of a set to itself is 0."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from vaekit import api, metrics
from vaekit.config import DataConfig
from vaekit.data import load_data
from vaekit.evaluation import feature_net
from vaekit.evaluation.diagnostics import diagnose_stats, model_log_prior
from vaekit.evaluation.encodings import encode_posterior
from vaekit.evaluation.feature_net import feature_classifier
from vaekit.evaluation.registry import EVAL_METRICS
from vaekit.evaluation.sample_quality import draw_samples, sample_quality
from vaekit.registry import UnknownNameError, VaekitError

TINY_MODEL = ["model.latent_dim=3", "model.encoder.hidden=[16]", "model.decoder.hidden=[16]"]


def _run(tmp_path, data, model: str = "vae") -> api.Run:
    cfg = api.make_config(model=model, overrides=TINY_MODEL)
    torch.manual_seed(0)
    net = cfg.model.build(data.shape, data.num_classes).eval()
    return api.Run(api.RunDir(tmp_path), cfg, net, {"input_shape": list(data.shape)})


@pytest.fixture(scope="module")
def dsprites():
    return load_data(DataConfig(name="dsprites", options={"n": 600}))


@pytest.fixture(scope="module")
def digits():
    return load_data(DataConfig(name="digits"))


@pytest.fixture
def cache(tmp_path_factory, monkeypatch):
    """One feature cache for the module (the first test to ask trains, later ones reuse it),
    and a short training: these tests check the cache and the distances, not accuracy."""
    monkeypatch.setattr(feature_net, "MIN_STEPS", 0)
    monkeypatch.setattr(feature_net, "MAX_TRAIN", 512)
    root = tmp_path_factory.getbasetemp() / "vaekit-cache"
    monkeypatch.setenv("VAEKIT_CACHE", str(root))
    return root


@pytest.mark.parametrize(
    ("name", "direct"),
    [
        ("mig", metrics.mig),
        ("sap", metrics.sap),
        ("dci", metrics.dci),
        ("modularity", metrics.modularity_explicitness),
    ],
)
def test_code_metrics_equal_direct_calls(tmp_path, dsprites, name, direct):
    # Shape and scale only: DCI's boosted trees grow one tree per class and stage.
    test = dataclasses.replace(dsprites.test, factors=dsprites.test.factors[:, :2])
    dsprites = dataclasses.replace(dsprites, test=test)
    run = _run(tmp_path, dsprites)
    x = dsprites.test.batch(torch.arange(len(dsprites.test))).x
    with torch.no_grad():
        codes = run.model.encode(x).mean.double()
    got = EVAL_METRICS.get(name)(run, dsprites, "test")
    assert list(got) == [name]
    assert got[name] == pytest.approx(direct(codes, dsprites.test.factors), abs=1e-12)


@pytest.mark.parametrize(
    ("name", "direct"),
    [("beta_vae", metrics.beta_vae_score), ("factor_vae", metrics.factor_vae_score)],
)
def test_dataset_scores_equal_direct_calls(tmp_path, dsprites, name, direct):
    run = _run(tmp_path, dsprites)
    small = {"num_train": 20, "num_eval": 10, "batch_size": 4, "seed": 1}
    if name == "factor_vae":
        small["num_variance_estimate"] = 50

    def represent(images):
        with torch.no_grad():
            return run.model.encode(torch.from_numpy(images)).mean

    got = EVAL_METRICS.get(name)(run, dsprites, "test", **small)
    assert got == {name: pytest.approx(direct(represent, dsprites.factor_source, **small))}


def test_data_without_factors_is_one_clear_error(tmp_path, digits):
    run = _run(tmp_path, digits)
    for name in ("mig", "dci", "beta_vae"):
        with pytest.raises(VaekitError, match=f"'{name}'.*'digits'.*dsprites"):
            EVAL_METRICS.get(name)(run, digits, "test")
    with pytest.raises(UnknownNameError, match="valid choices: beta_vae, dci, factor_vae, fid"):
        EVAL_METRICS.get("nope")


def test_dataset_scores_refuse_conditional_models(tmp_path, dsprites):
    run = _run(tmp_path, dsprites, model="cvae")
    with pytest.raises(VaekitError, match="unconditional"):
        EVAL_METRICS.get("beta_vae")(run, dsprites, "test")


def test_mutual_information_metric_is_the_diagnosed_value(tmp_path, digits):
    run = _run(tmp_path, digits)
    b = digits.test.batch(torch.arange(len(digits.test)))
    stats = encode_posterior(run.model, b.x, b.y, generator=torch.Generator().manual_seed(0))
    expected = diagnose_stats(stats, model_log_prior(run.model)).mutual_information
    got = EVAL_METRICS.get("mutual_information")(run, digits, "test")
    assert got == {"mutual_information": pytest.approx(expected, abs=1e-12)}
    ae = _run(tmp_path, digits, model="ae")
    with pytest.raises(VaekitError, match="no prior"):
        EVAL_METRICS.get("mutual_information")(ae, digits, "test")


def test_feature_classifier_is_cached_and_distance_to_itself_is_zero(cache, digits):
    first = feature_classifier(digits)
    assert first.trained and first.path.is_file()
    assert first.path.parent == cache / "features"
    assert first.path.name.startswith("digits-") and 0 <= first.val_accuracy <= 1
    stamp = first.path.stat().st_mtime_ns
    second = feature_classifier(digits)
    assert not second.trained and second.path == first.path
    assert first.path.stat().st_mtime_ns == stamp
    assert second.val_accuracy == pytest.approx(first.val_accuracy)
    for a, b in zip(first.net.state_dict().values(), second.net.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    x = digits.test.batch(torch.arange(len(digits.test))).x
    same = sample_quality(second.net, x, x)
    assert same.frechet_distance == pytest.approx(0.0, abs=1e-6)
    assert same.precision == same.recall == 1.0
    val = digits.val.batch(torch.arange(len(digits.val))).x
    real = sample_quality(second.net, x, val)  # held-out digits against held-out digits
    noise = sample_quality(second.net, x, torch.rand_like(x))
    assert noise.frechet_distance > 5 * real.frechet_distance > 0
    assert noise.recall < 0.5 < real.recall


def test_fid_metric(tmp_path, cache, digits):
    run = _run(tmp_path, digits)
    got = EVAL_METRICS.get("fid")(run, digits, "test", max_examples=100)["fid"]
    assert got["num_real"] == got["num_fake"] == 100 and got["frechet_distance"] > 0
    assert 0 <= got["precision"] <= 1 and 0 <= got["recall"] <= 1
    assert np.array_equal(draw_samples(run.model, 5, seed=3), draw_samples(run.model, 5, seed=3))
    with pytest.raises(VaekitError, match="labels"):
        feature_classifier(dataclasses.replace(digits, num_classes=None))
