"""Which indicator reader a node serves when none is configured: the lake once a snapshot is built."""

from __future__ import annotations

import pytest

from puhui.core.errors import ValidationError
from puhui.gov.bootstrap import load_indicator_reader
from puhui.gov.config import GovSettings
from puhui.gov.indicators.reader import LakeIndicatorReader
from puhui.gov.queries.reader import InMemoryIndicatorReader


def _settings(home, profile: str) -> GovSettings:
    secrets = {"gov_admin_token": "t" * 32, "gov_signing_key": "5a" * 32, "pseudonym_keys": "1:" + "c3" * 32}
    return GovSettings(home=home, profile=profile, gov_database_url=f"sqlite:///{home / 'gov.db'}", **secrets)


def _build_snapshot_pointer(home) -> None:
    # What `puhui gov indicators build` leaves: the LATEST pointer to the newest snapshot (read lazily).
    snapshots = home / "gov" / "indicators"
    snapshots.mkdir(parents=True)
    (snapshots / "LATEST").write_text("2026-02-28-v1\n")


def test_before_any_snapshot_a_development_node_answers_demo_values_and_production_refuses(tmp_path):
    assert isinstance(load_indicator_reader(_settings(tmp_path, "development")), InMemoryIndicatorReader)
    with pytest.raises(ValidationError, match="indicators build"):
        load_indicator_reader(_settings(tmp_path, "production"))


@pytest.mark.parametrize("profile", ["development", "production"])
def test_with_a_built_snapshot_the_node_serves_the_lake(tmp_path, profile):
    _build_snapshot_pointer(tmp_path)
    reader = load_indicator_reader(_settings(tmp_path, profile))
    assert isinstance(reader, LakeIndicatorReader)
    assert reader.settings.snapshots_root == tmp_path / "gov" / "indicators"


def test_a_configured_reader_wins(tmp_path):
    _build_snapshot_pointer(tmp_path)
    settings = _settings(tmp_path, "development").model_copy(
        update={"gov_indicator_reader": "puhui.gov.queries.reader:demo_indicator_reader"}
    )
    assert isinstance(load_indicator_reader(settings), InMemoryIndicatorReader)
