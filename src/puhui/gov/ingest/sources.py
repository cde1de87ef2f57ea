"""Freshness and quality of every data set's deliveries: what ``puhui gov sources`` reports.

Per provider and data set: the last delivery, its age against the catalog's ``freshness_days`` (fresh, stale,
never delivered), its row counts and quarantine rate, the trend of that rate over recent batches, and the
last rejection when it came after the last good delivery.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field

from puhui.core.catalog import Catalog
from puhui.gov.lake.store import Lake, StoredBatch

TREND_BATCHES = 5
# A change of the quarantine rate below this many percentage points is noise.
TREND_THRESHOLD = 0.5


@dataclass
class SourceStatus:
    provider: str
    provider_name: str
    dataset: str
    name: str
    frequency: str
    freshness_days: int
    status: str  # fresh | stale | never
    last_received_at: dt.datetime | None = None
    age_days: float | None = None
    last_batch_id: str | None = None
    batches: int = 0
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    quarantine_rate: float = 0.0
    recent_rates: list[float] = field(default_factory=list)  # oldest first
    trend: str | None = None  # rising | falling | steady
    last_rejection: str | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _trend(rates: list[float]) -> str | None:
    if len(rates) < 2:
        return None
    before = sum(rates[:-1]) / len(rates[:-1])
    change = (rates[-1] - before) * 100
    if change > TREND_THRESHOLD:
        return "rising"
    if change < -TREND_THRESHOLD:
        return "falling"
    return "steady"


def _rejections(lake: Lake) -> dict[str, tuple[dt.datetime, str]]:
    """The last rejection per data set, from the operations log."""
    found: dict[str, tuple[dt.datetime, str]] = {}
    if not lake.log_path.exists():
        return found
    for line in lake.log_path.read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if event.get("event") == "rejected" and event.get("dataset"):
            found[event["dataset"]] = (dt.datetime.fromisoformat(event["at"]), str(event.get("reason")))
    return found


def source_statuses(lake: Lake, catalog: Catalog, now: dt.datetime | None = None) -> list[SourceStatus]:
    now = now or dt.datetime.now(dt.UTC)
    stored = [b for b in lake.batches() if b.live]
    by_dataset: dict[str, list[StoredBatch]] = {}
    for batch in stored:
        by_dataset.setdefault(batch.record.dataset, []).append(batch)
    rejections = _rejections(lake)
    report = []
    for dataset in sorted(catalog, key=lambda d: d.id):
        provider = catalog.provider(dataset.provider)
        status = SourceStatus(
            provider=provider.id,
            provider_name=provider.name.zh,
            dataset=dataset.id,
            name=dataset.name.zh,
            frequency=dataset.delivery.frequency.value,
            freshness_days=dataset.delivery.freshness_days,
            status="never",
        )
        batches = by_dataset.get(dataset.id, [])
        if batches:
            last = batches[-1].record
            age = (now - last.received_at).total_seconds() / 86400
            rates = [b.record.quarantine_rate for b in batches[-TREND_BATCHES:]]
            status.status = "fresh" if age <= dataset.delivery.freshness_days else "stale"
            status.last_received_at = last.received_at
            status.age_days = round(age, 2)
            status.last_batch_id = last.batch_id
            status.batches = len(batches)
            status.rows_read, status.rows_accepted, status.rows_quarantined = (
                last.rows_read,
                last.rows_accepted,
                last.rows_quarantined,
            )
            status.quarantine_rate = round(last.quarantine_rate, 6)
            status.recent_rates = [round(r, 6) for r in rates]
            status.trend = _trend(rates)
        rejection = rejections.get(dataset.id)
        if rejection and (not batches or rejection[0] > batches[-1].record.ingested_at):
            status.last_rejection = rejection[1]
        report.append(status)
    return report


__all__ = ["SourceStatus", "source_statuses"]
