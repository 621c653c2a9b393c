"""Where a run goes without ``--out``."""

import time

from vaekit import api
from vaekit.api.training import default_out


def test_runs_started_in_the_same_second_get_their_own_folders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(time, "strftime", lambda fmt: "20261128-120000")
    cfg = api.make_config(model="vae", data="digits")
    first = default_out(cfg)
    assert first.as_posix() == "runs/vae-digits-20261128-120000"
    first.mkdir(parents=True)
    second = default_out(cfg)
    assert second.as_posix() == "runs/vae-digits-20261128-120000-2"
    second.mkdir()
    assert default_out(cfg).name.endswith("-3")
