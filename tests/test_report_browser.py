"""The HTML report in a real browser: headless Chromium (Debian package) renders the summary and
a failing check's row and detail from the one offline file."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from reports import run_with_reports

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; "
                                                         ".ci/run installs it before `make test`)")


def _chromium(tmp_path, *args):
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=120)


def test_summary_and_a_failing_check_render_in_chromium(tmp_path):
    reports = run_with_reports(tmp_path, "-k", "storage")
    dom = _chromium(tmp_path, "--virtual-time-budget=5000", "--dump-dom", reports.html.as_uri()).stdout
    assert 'id="medallion-summary"' in dom and "Compliance by area" in dom
    assert '<td class="col-requirement">STG-003</td>' in dom, "the rows are built by the report's own script"
    assert 'class="medallion-verdict v-failed">failed</span>' in dom
    assert 'data-requirement="STG-003"' in dom and "blob soft delete" in dom.lower()
    shot = tmp_path / "report.png"
    _chromium(tmp_path, "--window-size=1280,1600", f"--screenshot={shot}", reports.html.as_uri())
    assert shot.exists() and shot.stat().st_size > 10_000
