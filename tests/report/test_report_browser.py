"""The report in a real browser: headless Chromium loads the file from disk.

Skipped, saying why, where Chromium (Debian's ``chromium`` package; scripts/setup.sh
installs it when it can) or the ``websockets`` package is missing.
"""

from __future__ import annotations

import chromium  # tests/chromium.py
import pytest

from vaekit.report import write_report

pytest.importorskip("websockets", reason="the DevTools client needs `pip install websockets`")
if chromium.find_chromium() is None:
    pytest.skip(
        "no Chromium on PATH: `apt-get install chromium` (scripts/setup.sh does as root)",
        allow_module_level=True,
    )


def test_report_loads_cleanly(make_run, tmp_path):
    runs = [
        make_run("vae", results={"elbo": -3.0}, pictures=("reconstructions.png", "samples.png")),
        make_run("vq", model="vqvae", results={"codebook_usage": 0.5}),
        make_run("killed", results=None, pictures=()),
    ]
    report = write_report(runs, tmp_path / "report.html")
    (tmp_path / "report.png").write_bytes(chromium.check_report(report, num_runs=3))


def test_the_check_sees_a_broken_image(make_run, tmp_path):
    report = write_report([make_run("vae", results={})], tmp_path / "report.html")
    html = report.read_text()
    report.write_text(html.replace("data:image/png;base64,", "data:image/png;base64,AAAA", 1))
    with pytest.raises(AssertionError, match="training curves of every run"):
        chromium.check_report(report, num_runs=1)


def test_the_check_sees_a_console_error(make_run, tmp_path):
    report = write_report([make_run("vae", results={})], tmp_path / "report.html")
    report.write_text(
        report.read_text().replace("</body>", "<script>undefinedThing()</script></body>")
    )
    page = chromium.inspect_page(report, "1")
    assert any("undefinedThing" in e for e in page.errors)
