"""The fix journal: every --fix run that writes leaves one, redacted, named in every report."""
from __future__ import annotations

import json

from suite import run_checks

from medallion.change import Change
from medallion.journal import KIND, entry
from medallion.spec import SIM_SUBSCRIPTION


def _journal(path):
    return json.loads(path.read_text())


def test_fix_leaves_a_journal_of_each_change_named_in_every_report(tmp_path):
    journal, html = tmp_path / "journal.json", tmp_path / "report.html"
    run = run_checks(tmp_path / "s.json", "--fix", "--fix-journal", str(journal), "--html", str(html))
    assert run.writes, run.output
    assert f"fix journal (" in run.stdout and str(journal) in run.stdout
    document = _journal(journal)
    assert document["kind"] == KIND and len(document["run_id"]) == 32
    assert document["estates"][0]["subscription"] == SIM_SUBSCRIPTION
    assert document["identity"] == "emulator owner"
    entries = document["entries"]
    assert {"requirement", "resource", "field", "before", "after", "reversible", "status"} <= set(entries[0])
    applied = [e for e in entries if e["status"] == "applied"]
    changed = sum(len(record["changes"]) for record in run.records)
    assert len(applied) >= changed > 0
    held = [e for e in entries if e["status"] == "held"]
    assert len(held) == sum(len(record["held"]) for record in run.records) > 0
    purge = [e for e in held if "enablePurgeProtection" in e["field"]]
    assert purge and not any(e["reversible"] for e in purge)
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    assert {record["fix_journal"] for record in run.records} == {str(journal)}
    assert "Fix journal" in html.read_text() and str(journal) in html.read_text()


def test_a_fix_that_writes_nothing_leaves_no_journal(tmp_path):
    state = tmp_path / "s.json"
    run_checks(state, "--fix", "-k", "STG", "--fix-journal", str(tmp_path / "first.json"))
    again = run_checks(state, "--fix", "-k", "STG", "--fix-journal", str(tmp_path / "second.json"))
    assert (tmp_path / "first.json").exists()
    assert not again.writes and not (tmp_path / "second.json").exists(), again.output
    assert "fix journal" not in again.stdout


def test_fix_journal_without_fix_is_one_line(tmp_path):
    run = run_checks(tmp_path / "s.json", "--fix-journal", str(tmp_path / "j.json"))
    assert run.status != 0 and "--fix-journal goes with --fix" in run.output
    assert "Traceback" not in run.output and not (tmp_path / "j.json").exists()


def test_a_redacted_before_is_kept_out_of_the_journal_and_marked_not_reversible():
    change = Change(resource="/subscriptions/x/vault", field="properties.connection_string",
                    before={"connection_string": "AccountKey=" + "a" * 44 + "=="},
                    after={"connection_string": "managed identity"}, apply=lambda: None)
    line = entry("SEC-999", "default", change, "applied")
    assert "aaaa" not in json.dumps(line)
    assert line["reversible"] is False and "redacted" in line["why_not_reversible"]
