"""The model registry's domain: registered model versions and which one decides (champion) or shadows it
(challenger). Promotion is explicit and goes through a transition table; the store keeps the rows and the
artefacts live as files under ``PUHUI_HOME/bank/models``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any

from puhui.core.errors import Conflict


class ModelStatus(enum.StrEnum):
    REGISTERED = "registered"
    CHAMPION = "champion"
    CHALLENGER = "challenger"
    RETIRED = "retired"


class ModelEvent(enum.StrEnum):
    PROMOTE = "promote"  # becomes the champion
    SHADOW = "shadow"  # runs beside the champion, its decisions recorded, never acted on
    RETIRE = "retire"


MODEL_TRANSITIONS: dict[tuple[ModelStatus, ModelEvent], ModelStatus] = {
    (ModelStatus.REGISTERED, ModelEvent.PROMOTE): ModelStatus.CHAMPION,
    (ModelStatus.REGISTERED, ModelEvent.SHADOW): ModelStatus.CHALLENGER,
    (ModelStatus.REGISTERED, ModelEvent.RETIRE): ModelStatus.RETIRED,
    (ModelStatus.CHALLENGER, ModelEvent.PROMOTE): ModelStatus.CHAMPION,
    (ModelStatus.CHALLENGER, ModelEvent.RETIRE): ModelStatus.RETIRED,
    (ModelStatus.CHAMPION, ModelEvent.RETIRE): ModelStatus.RETIRED,
    (ModelStatus.RETIRED, ModelEvent.PROMOTE): ModelStatus.CHAMPION,  # a roll-back to an earlier champion
}


@dataclasses.dataclass(frozen=True, slots=True)
class ModelVersion:
    version: str
    kind: str  # "scorecard" | "lightgbm"
    status: ModelStatus
    artifact: str
    features: tuple[str, ...]
    metrics: Mapping[str, Any]
    trained_at: dt.datetime
    status_changed_at: dt.datetime

    def after(self, event: ModelEvent, at: dt.datetime) -> ModelVersion:
        try:
            status = MODEL_TRANSITIONS[(self.status, event)]
        except KeyError:
            raise Conflict(
                f"cannot {event.value} model {self.version}: it is {self.status.value}", code=f"model_cannot_{event}"
            ) from None
        return dataclasses.replace(self, status=status, status_changed_at=at)


__all__ = ["MODEL_TRANSITIONS", "ModelEvent", "ModelStatus", "ModelVersion"]
