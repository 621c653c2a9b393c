"""Progress of the slow phases: silent unless shown, a bar or a status line on stderr."""

from vaekit.progress import note, phase, shown


def test_silent_unless_shown(capsys):
    with phase("IS-NLL", total=3) as advance:
        advance(3)
    note("training 60 epochs")
    assert capsys.readouterr() == ("", "")


def test_shown_bars_and_status_lines_nest_on_stderr(capsys):
    with shown():
        note("training 60 epochs")
        with phase("evaluation"), phase("IS-NLL, k=5", total=4) as advance:
            advance(1)
            advance(3)
        with shown(False), phase("quiet part", total=1) as quiet:
            quiet(1)
    out, err = capsys.readouterr()
    assert out == ""
    assert "training 60 epochs" in err and "IS-NLL, k=5" in err and "4/4" in err
    assert "evaluation" in err and "quiet part" not in err


def test_a_failing_phase_is_erased_so_the_error_stands_alone(capsys):
    with shown():
        try:
            with phase("diagnose"), phase("encoding", total=3) as advance:
                advance(1)
                raise ValueError
        except ValueError:
            pass
    assert capsys.readouterr().err.strip() == ""
