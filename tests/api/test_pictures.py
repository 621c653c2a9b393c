"""``eval.num_pictures=0`` means no reconstructions and no samples, not a crash after training."""

import pytest
import torch

from vaekit import api
from vaekit.rundir import RunDir
from vaekit.viz.grids import image_grid


def test_a_run_with_no_pictures_draws_only_its_plots(tmp_path):
    settings = ["data.subset=100", "model.latent_dim=2", "eval.nll_samples=2"]
    cfg = api.make_config(
        model="vae", data="digits", epochs=1, overrides=[*settings, "eval.num_pictures=0"]
    )
    result = api.train(cfg, out=tmp_path / "run", progress=False)
    assert set(result.pictures) == {"kl_per_dim", "curves"}
    assert not (tmp_path / "run" / "reconstructions.png").exists()
    assert not (tmp_path / "run" / "samples.png").exists()
    assert RunDir(tmp_path / "run").complete()


def test_a_grid_of_no_images_is_refused():
    with pytest.raises(ValueError, match="no images"):
        image_grid(torch.zeros(0, 1, 8, 8))
