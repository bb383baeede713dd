"""Several estates in one spec: every check runs per estate, selectable by name."""
from __future__ import annotations

import json

from suite import arm_body, run_checks

SPEC = """
[estates.dev.estate]
resource_group = "rg-juicer-dev"
storage_account = "juicerdevstorage"

[estates.prod.estate]
resource_group = "rg-juicer-prod"
storage_account = "juicerprodstorage"
"""


def test_each_estate_gets_its_own_checks_and_fixes(tmp_path):
    spec = tmp_path / "estates.toml"
    spec.write_text(SPEC)
    state = tmp_path / "s.json"
    audit = run_checks(state, "--estate", str(spec), "-k", "storage")
    assert {k for k in audit.verdicts if k.startswith("STG-003")} == {"STG-003[dev]", "STG-003[prod]"}
    prod = run_checks(state, "--estate", str(spec), "-k", "storage and prod", "--fix")
    assert prod.status == 0 and set(prod.verdicts) >= {"STG-003[prod]"}
    assert not any("[dev]" in key for key in prod.verdicts)
    saved = json.loads(state.read_text())
    blob = "/storageAccounts/{}/blobServices/default"
    assert arm_body(saved, blob.format("juicerprodstorage"))["properties"]["deleteRetentionPolicy"]["enabled"] is True
    assert arm_body(saved, blob.format("juicerdevstorage"))["properties"]["deleteRetentionPolicy"]["enabled"] is False
    after = run_checks(state, "--estate", str(spec), "-k", "storage")
    assert after.verdicts["STG-003[prod]"] == "passed" and after.verdicts["STG-003[dev]"] == "failed"


def test_an_estate_table_is_validated_like_the_rest(tmp_path):
    spec = tmp_path / "estates.toml"
    spec.write_text('[estates.prod.storage]\nblob_soft_delete_days = "long"\n')
    outcome = run_checks(tmp_path / "s.json", "--estate", str(spec))
    assert outcome.status != 0 and "Traceback" not in outcome.output
    assert "[estates.prod]: 'storage.blob_soft_delete_days' must be an integer" in outcome.output
