"""Settings of the indicator engine: where the lake and the snapshots are, which engine computes, the k of
released aggregates. ``PUHUI_INDICATOR_ENGINE=spark`` moves batch refreshes to Spark."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from puhui.gov.config import GovSettings
from puhui.gov.lake.store import Lake


class IndicatorSettings(GovSettings):
    indicator_engine: Literal["duckdb", "spark"] = "duckdb"
    indicator_spark_master: str = "local[2]"
    indicator_min_cell: int = Field(default=5, ge=2, description="smallest aggregate cell released (k)")

    @property
    def lake_root(self) -> Path:
        return Lake.at_home(self.home).root

    @property
    def snapshots_root(self) -> Path:
        return self.gov_home / "indicators"

    def engine_config(self, engine: str | None = None) -> dict[str, str]:
        kind = engine or self.indicator_engine
        return {"type": kind, "master": self.indicator_spark_master} if kind == "spark" else {"type": kind}


__all__ = ["IndicatorSettings"]
