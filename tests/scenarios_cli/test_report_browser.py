"""``cvm report`` writes a page that draws every chart in headless Chromium with no network.

The browser runs with networking disabled (``offline=True`` and every non-file request
aborted and counted), so a chart that needed a CDN would stay empty and fail the test. A
screenshot is left in ``test-artifacts/report.png`` for a human to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from report_browser import render_offline


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    from sim.cli import main

    out = tmp_path_factory.mktemp("report") / "run"
    assert main(["run", "baseline", "--preset", "tiny", "--out", str(out), "--quiet",
                 "--steps", "12", "--set", "market.customers=400"]) == 0
    assert main(["report", str(out), "--quiet"]) == 0
    return out / "report.html"


def test_report_is_self_contained(report):
    page = report.read_text()
    assert "<script src" not in page and "cdn.jsdelivr" not in page
    assert "vegaEmbed" in page
    assert "Baseline market" in page and '<table id="final">' in page
    assert "Lesson." in page


@pytest.mark.browser
def test_report_renders_offline_in_chromium(report):
    charts, remote, errors = render_offline(report, """() => [...document.querySelectorAll('.chart')].map(el => ({
                key: el.dataset.chart, rendered: el.dataset.rendered === 'true',
                marks: el.querySelectorAll('svg .mark-line path, svg .mark-symbol path,'
                                           + ' svg .mark-rect path, svg .mark-area path').length,
                error: el.querySelector('.error') ? el.textContent : null}))""", "report.png")
    assert remote == [] and errors == []
    keys = [c["key"] for c in charts]
    assert keys == ["matrix", "share", "satisfaction", "loyalty", "profit", "ladder"]
    for chart in charts:
        assert chart["rendered"] and chart["error"] is None, chart
        assert chart["marks"] >= 3, chart


def test_report_needs_only_firms_csv(report, tmp_path):
    """A classroom export has firms.csv but no summary.json or scenario.json."""
    from sim.report import write_report

    (tmp_path / "firms.csv").write_bytes((report.parent / "firms.csv").read_bytes())
    page = write_report(tmp_path).read_text()
    assert page.count('class="chart"') >= 5


def test_names_cannot_inject_markup(tmp_path):
    from sim.cli import main
    from tests.scenarios_cli.conftest import HERE

    evil = "</script><script>alert(1)</script>"
    out = tmp_path / "run"
    assert main(["run", str(HERE / "tiny.yaml"), "--preset", "smaller", "--out", str(out),
                 "--quiet", "--set", f"firms.0.name='{evil}'"]) == 0
    assert main(["report", str(out), "--quiet"]) == 0
    page = (out / "report.html").read_text()
    assert evil not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the table, escaped
