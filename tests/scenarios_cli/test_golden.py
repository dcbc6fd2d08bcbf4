"""``cvm run`` end to end on ``tiny.yaml``, compared with the golden outputs in ``golden/``.

The tiny market has every mechanism off and identical customers within a segment, so its
outputs depend on the choice model, the accounting and the output format — not on the
relationship mechanisms other work keeps changing. The comparison is:

* exact: the firms.csv contract columns (in order), the rows (replicate × step × firm), posted
  prices, the customers counted, and summary.json's scenario, seed, steps and replicates;
* its keys as a subset: summary.json may gain keys, never lose one;
* with tolerance: shares (per step within 0.06, averaged over steps within 0.015 — about four
  standard errors of sampling noise with 1,500 customers), so a change of random stream alone
  does not fail the test, but a change in who buys what does.

Regenerate, only with a reason you state in the commit message, with::

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/scenarios_cli/test_golden.py
"""

from __future__ import annotations

import json

import pandas as pd

from sim.collect import FIRM_COLUMNS
from tests.scenarios_cli.conftest import HERE, UPDATE

GOLDEN = HERE / "golden"
KEEP = ["replicate", "step", "firm", "price", "share", "customers"]


def test_tiny_run_matches_golden(cvm, tmp_path):
    out = tmp_path / "run"
    result = cvm("run", HERE / "tiny.yaml", "--out", out, "--quiet")
    assert result.code == 0, result.err
    firms = pd.read_csv(out / "firms.csv")
    summary = json.loads((out / "summary.json").read_text())
    stable = firms[KEEP]
    summary_shape = {
        "keys": sorted(k for k in summary if k not in ("created", "package_version")),
        "firm_keys": sorted(next(iter(summary["firms"].values()))),
        "scenario": summary["scenario"], "steps": summary["steps"],
        "replicates": summary["replicates"], "seed": summary["seed"],
    }
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        stable.to_csv(GOLDEN / "tiny_firms.csv", index=False, float_format="%.6f")
        (GOLDEN / "tiny_summary_shape.json").write_text(json.dumps(summary_shape, indent=2) + "\n")
    golden = pd.read_csv(GOLDEN / "tiny_firms.csv")
    assert list(firms.columns[: len(FIRM_COLUMNS)]) == list(FIRM_COLUMNS)
    golden_shape = json.loads((GOLDEN / "tiny_summary_shape.json").read_text())
    for key in ("keys", "firm_keys"):  # new keys may appear; none may go
        assert set(golden_shape.pop(key)) <= set(summary_shape.pop(key)), key
    assert summary_shape == golden_shape
    keys = ["replicate", "step", "firm"]
    assert stable[keys].values.tolist() == golden[keys].values.tolist()
    assert stable["price"].tolist() == golden["price"].tolist()
    assert (stable.groupby(["replicate", "step"])["customers"].sum() == 1500).all()
    assert (stable["share"] - golden["share"]).abs().max() < 0.06
    mean_now = stable.groupby("firm")["share"].mean()
    mean_golden = golden.groupby("firm")["share"].mean()
    assert (mean_now - mean_golden).abs().max() < 0.015, (mean_now, mean_golden)
