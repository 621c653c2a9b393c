"""``vaekit report`` end to end: real runs of different kinds, a killed one, bad input."""

import shutil
import subprocess
import sys
from html.parser import HTMLParser

import chromium
import pytest
from support import TINY_VAE, Interrupt, kill_at

from vaekit import api

VQ = [
    "data.subset=200",
    "train.batch_size=32",
    "eval.num_pictures=4",
    "model.quantizer.codebook_size=16",
]


def vaekit(*args):
    return subprocess.run(
        [sys.executable, "-m", "vaekit", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )


class Rows(HTMLParser):
    """The metrics table's row headers, as text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.names: list[str] = []
        self._row = self._th = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self._row = self._row or (tag == "tr" and ("class", "run-row") in attrs)
        if self._row and tag == "th":
            self._th = True
            self.names.append("")

    def handle_endtag(self, tag):
        self._th = self._th and tag != "th"
        self._row = self._row and tag != "tr"

    def handle_data(self, data):
        if self._th:
            self.names[-1] = " ".join((self.names[-1] + " " + data).split())


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    cfg = api.make_config(model="vae", data="digits", epochs=2, overrides=TINY_VAE)
    api.train(cfg, out=root / "vae", progress=False)
    api.diagnose(api.load(root / "vae", device="cpu"))
    vq = api.make_config(model="vqvae_ema", data="digits", epochs=1, overrides=VQ)
    api.train(vq, out=root / "vq", progress=False)
    with pytest.raises(Interrupt):
        api.train(cfg, out=root / "killed", progress=False, on_step=kill_at(9))  # in epoch 2
    return root


@pytest.mark.slow
def test_report_of_mixed_runs(runs, tmp_path):
    out = tmp_path / "report.html"
    proc = vaekit("report", runs / "vae", runs / "vq", runs / "killed", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert str(out) in proc.stdout
    html = out.read_text()
    assert Rows(html).names == ["vae", "vq", "killed (incomplete)"]
    for needle in (
        "partially collapsed",
        "codebook collapse",
        "latent traversals",
        "codebook usage",
    ):
        assert needle in html
    if chromium.find_chromium() is not None:
        pytest.importorskip("websockets")
        (tmp_path / "report.png").write_bytes(chromium.check_report(out, num_runs=3))


@pytest.mark.slow
def test_a_folder_that_is_not_a_run(runs, tmp_path):
    shutil.copytree(runs / "vae", tmp_path / "copy")
    (tmp_path / "copy" / "config.yaml").unlink()
    proc = vaekit("report", runs / "vae", tmp_path / "copy", "--out", tmp_path / "r.html")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'copy'} is not a vaekit run directory (no config.yaml/meta.json)"
    ]
    assert not (tmp_path / "r.html").exists()
