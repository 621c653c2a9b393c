"""The report's tables: best value per column, "—" for what a run lacks, config differences."""

from vaekit.report import load_run
from vaekit.report.tables import config_table, flatten, fmt, metrics_table


def _table(runs):
    columns, rows = metrics_table(runs)
    labels = [c.label for c in columns]
    return labels, [
        {label: (cell.text, cell.marked) for label, cell in zip(labels, row, strict=True)}
        for row in rows
    ]


def test_best_per_column_and_missing_values(make_run):
    kl = {"kl_per_dim": [1.0] * 5, "active_units": 5}
    vae = make_run("vae", results={"elbo": -90.0, "nll": 85.0, "kl": 20.0, **kl})
    iwae = make_run("iwae", results={"elbo": -88.5, "nll": 86.0, "kl": 25.0, **kl})
    vq = make_run(
        "vq", results={"elbo": None, "codebook_usage": 0.5, "mig": 0.0, "active_units": 0}
    )
    killed = make_run("killed", results=None)
    labels, rows = _table([load_run(p) for p in (vae, iwae, vq, killed)])
    # only columns some run has, in the table's order
    assert labels == [
        "ELBO (nats)",
        "NLL (nats)",
        "KL (nats)",
        "active units",
        "codebook usage",
        "MIG",
    ]
    assert rows[1]["ELBO (nats)"] == ("-88.5", True)  # higher ELBO is better
    assert rows[0]["ELBO (nats)"] == ("-90", False)
    assert rows[0]["NLL (nats)"] == ("85", True)  # lower NLL is better
    assert not any(row["KL (nats)"][1] for row in rows)  # KL has no better direction
    assert not any(row["active units"][1] for row in rows)  # a tie marks nobody
    assert rows[2]["ELBO (nats)"] == ("—", False)
    assert rows[2]["active units"] == ("—", False)  # no posterior: none, not 0
    assert rows[2]["MIG"] == ("0", False)  # one run alone is not "best"
    assert all(text == "—" for text, _ in rows[3].values())


def test_disentanglement_from_diagnose_when_not_evaluated(make_run):
    dis = {"mig": 0.25, "dci_disentanglement": 0.5, "dci_completeness": 0.4}
    evaluated = make_run("a", results={"mig": 0.125, "dci": {"disentanglement": 0.75}})
    diagnosed = make_run("b", results={}, diagnostics={"disentanglement": dis})
    labels, rows = _table([load_run(evaluated), load_run(diagnosed)])
    assert labels == ["MIG", "DCI disentanglement", "DCI completeness"]
    assert rows[0] == {
        "MIG": ("0.125", False),
        "DCI disentanglement": ("0.75", True),
        "DCI completeness": ("—", False),
    }
    assert rows[1]["MIG"] == ("0.25", True)


def test_fmt():
    assert [fmt(None), fmt(3), fmt(2.0), fmt(0.123456), fmt("x")] == ["—", "3", "2", "0.1235", "x"]


def test_flatten():
    nested = {"model": {"name": "vae", "encoder": {"hidden": [32]}, "opts": {}}, "seed": 0}
    assert flatten(nested) == {
        "model.name": "vae",
        "model.encoder.hidden": [32],
        "model.opts": {},
        "seed": 0,
    }


def test_config_differences_come_first_and_are_marked(make_run):
    a, b = make_run("a", lr=1e-3), make_run("b", model="beta_vae", lr=1e-3)
    keys, rows, differ = config_table([load_run(a), load_run(b)])
    assert differ == 1
    assert keys[0] == "model.name"
    assert [(c.text, c.marked) for c in rows[0]] == [("vae", True), ("beta_vae", True)]
    assert [(c.text, c.marked) for c in rows[keys.index("train.lr")]] == [("0.001", False)] * 2


def test_a_key_one_run_lacks_differs(make_run):
    a, b = load_run(make_run("a")), load_run(make_run("b"))
    b.config["train"]["beta"] = None
    keys, rows, differ = config_table([a, b])
    assert (keys[0], differ) == ("train.beta", 1)
    assert [c.text for c in rows[0]] == ["—", "null"]
