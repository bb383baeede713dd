"""The estate spec: defaults, layering, and one-line errors for every kind of mistake."""
from __future__ import annotations

from pathlib import Path

import pytest

from medallion.spec import SIM_SUBSCRIPTION, SpecError, load


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "estate.toml"
    path.write_text(text)
    return path


def test_defaults_name_the_estate_of_the_guide():
    spec = load(sim=True)
    assert spec.estate.resource_group == "RG-TBWA-ProjectScout-Juicer"
    assert spec.estate.storage_account == "tbwajuicerstorage"
    assert spec.storage.lifecycle["bronze"].archive_after_days == 90
    assert spec.storage.lifecycle["gold"].archive_after_days == 0
    assert spec.subscription_id == SIM_SUBSCRIPTION


def test_a_custom_file_overrides_only_what_it_names(tmp_path):
    spec = load(write(tmp_path, '[estate]\nstorage_account = "other"\n[storage]\nblob_soft_delete_days = 30\n'), sim=True)
    assert spec.estate.storage_account == "other"
    assert spec.estate.key_vault == "kv-tbwa-juicer-insights2"
    assert spec.storage.blob_soft_delete_days == 30


@pytest.mark.parametrize("text, words", [
    ('[storage]\nblob_soft_delet_days = 7\n', ["unknown key 'storage.blob_soft_delet_days'"]),
    ('[storage]\nblob_soft_delete_days = "seven"\n', ["'storage.blob_soft_delete_days' must be an integer", "'seven'"]),
    ('[storage.lifecycle.diamond]\ncool_after_days = 5\n', ["missing value 'storage.lifecycle.diamond.prefix'"]),
    ('[target]\ncloud = "mars"\n', ["'target.cloud' must be one of"]),
    ('[estate\n', ["not valid TOML"]),
    ('[data_quality]\nrun_timeout_minutes = 0\n', ["data_quality.run_timeout_minutes must be above 0, not 0"]),
])
def test_mistakes_stop_with_one_line_naming_file_and_key(tmp_path, text, words):
    path = write(tmp_path, text)
    with pytest.raises(SpecError) as caught:
        load(path, sim=True)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path))
    for word in words:
        assert word in message


def test_missing_file_names_the_way_out(tmp_path):
    with pytest.raises(SpecError, match="estate spec not found"):
        load(tmp_path / "nope.toml")


def test_real_mode_needs_a_subscription(monkeypatch):
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)
    with pytest.raises(SpecError, match="AZURE_SUBSCRIPTION_ID"):
        load()
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "11111111-1111-1111-1111-111111111111")
    assert load().subscription_id == "11111111-1111-1111-1111-111111111111"
