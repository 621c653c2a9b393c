"""The report page: self-contained, one metrics row per run, escaped names."""

from html.parser import HTMLParser
from importlib import resources

import pytest

from vaekit.report import load_runs, render, write_report
from vaekit.rundir import RunDirError


class Page(HTMLParser):
    """Image sources, links, and the rows of the metrics table."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.images: list[dict[str, str]] = []
        self.urls: list[str] = []
        self.metric_rows = 0
        self._in_metrics = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        self.urls += [v for k, v in attrs.items() if k in ("src", "href") and v]
        if tag == "table":
            self._in_metrics = attrs.get("id") == "metrics"
        if tag == "tr" and self._in_metrics and attrs.get("class") == "run-row":
            self.metric_rows += 1


def test_report_is_self_contained(make_run, tmp_path):
    runs = [
        make_run("vae", results={"elbo": -3.0}, pictures=("reconstructions.png", "samples.png")),
        make_run("vq", model="vqvae", results={"codebook_usage": 0.5}),
        make_run("killed", results=None, pictures=()),
    ]
    out = write_report(runs, tmp_path / "sub" / "report.html")
    page = Page(out.read_text())
    assert page.metric_rows == 3
    assert len(page.images) == 1 + 2 + 1  # curves, then each run's pictures
    assert all(img["src"].startswith("data:image/png;base64,") for img in page.images)
    assert all(u.startswith(("data:", "#")) for u in page.urls)  # nothing to fetch
    assert "incomplete" in out.read_text()


def test_names_are_escaped(make_run):
    html = render(load_runs([make_run("<b>x<", results={})]))
    assert "&lt;b&gt;x&lt;" in html and "<b>x<" not in html


def test_corrupt_picture_is_named(make_run):
    path = make_run("a", results={})
    (path / "samples.png").write_bytes(b"not a png")
    with pytest.raises(RunDirError, match=r"samples\.png is corrupt"):
        render(load_runs([path]))


def test_template_is_package_data():
    assert resources.files("vaekit.report").joinpath("templates/report.html.j2").is_file()
