"""Reading a run directory for the report."""

import pytest

from vaekit.report import NotARunError, load_run, load_runs
from vaekit.rundir import RunDir, RunDirError

VERDICT = {
    "overall": "collapsed",
    "per_dim": ["collapsed", "healthy", "partially collapsed"],
    "collapsed": [0],
    "partially_collapsed": [2],
    "healthy": [1],
}


def test_complete_run(make_run):
    path = make_run(
        "a", results={"elbo": -3.0}, diagnostics={"verdict": VERDICT}, pictures=("samples.png",)
    )
    run = load_run(path)
    assert (run.name, run.model, run.data, run.status, run.epochs) == (
        "a",
        "vae",
        "digits",
        "complete",
        2,
    )
    assert run.history[1] == {"epoch": 2.0, "train_loss": 4.0, "val_loss": 4.5}
    assert run.results == {"elbo": -3.0}
    assert run.posterior_verdict == (
        "collapsed: 1 healthy, 1 partially collapsed, 1 collapsed of 3"
    )
    assert run.codebook_verdict is None
    assert [caption for caption, _ in run.pictures] == ["samples"]


def test_killed_run_is_incomplete_without_results(make_run):
    run = load_run(make_run("killed", results=None))
    assert run.status == "incomplete"
    assert run.results is None
    assert run.epochs == 2


def test_codebook_verdict_and_unknown_pictures(make_run):
    results = {"codebook_verdict": {"overall": "healthy", "reason": "all codes used"}}
    path = make_run(
        "vq", model="vqvae", results=results, pictures=("codebook_usage_test.png", "extra_plot.png")
    )
    run = load_run(path)
    assert run.codebook_verdict == "healthy: all codes used"
    assert [c for c, _ in run.pictures] == ["codebook usage (test)", "extra plot"]


def test_not_a_run(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(NotARunError, match="empty is not a vaekit run directory"):
        load_run(tmp_path / "empty")
    with pytest.raises(NotARunError, match="missing: no such folder"):
        load_run(tmp_path / "missing")
    (tmp_path / "file").write_text("")
    with pytest.raises(NotARunError, match="file: not a folder"):
        load_run(tmp_path / "file")


def test_corrupt_results_are_named(make_run):
    path = make_run("a", results={"elbo": 1.0})
    (path / "results.json").write_text("[1, 2]")
    with pytest.raises(RunDirError, match=r"results\.json is corrupt"):
        load_run(path)


def test_clashing_names_use_the_full_path(make_run, tmp_path):
    a = make_run("vae")
    (tmp_path / "other").mkdir()
    b = tmp_path / "other" / "vae"
    a.rename(b)
    c = make_run("vae")
    assert [r.name for r in load_runs([b, c])] == [str(b), str(c)]


def test_one_kl_picture_when_diagnose_drew_the_same(make_run):
    both = load_run(make_run("a", pictures=("kl_per_dim.png", "diagnose_kl.png")))
    assert [c for c, _ in both.pictures] == ["KL per dimension"]
    alone = load_run(make_run("b", pictures=("diagnose_kl.png",)))
    assert [c for c, _ in alone.pictures] == ["KL per dimension (diagnose)"]


def test_stale_results_of_an_extended_run_are_not_shown(make_run):
    path = make_run("a", results={"elbo": -3.0})
    RunDir(path).clear_stages()  # extended: training again, results out of date
    run = load_run(path)
    assert (run.status, run.results) == ("incomplete", None)
