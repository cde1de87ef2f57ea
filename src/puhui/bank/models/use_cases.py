"""Registry use cases: promote a model to champion or put it in shadow as challenger — explicitly, one at a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from puhui.bank.db.uow import UnitOfWork
from puhui.bank.models.registry import ModelEvent, ModelStatus, ModelVersion


def promote_model(uow: Callable[[], UnitOfWork], version: str, at: dt.datetime) -> ModelVersion:
    """Make ``version`` the champion; the champion it replaces is retired."""
    return _move(uow, version, ModelEvent.PROMOTE, ModelStatus.CHAMPION, at)


def shadow_model(uow: Callable[[], UnitOfWork], version: str, at: dt.datetime) -> ModelVersion:
    """Run ``version`` in shadow beside the champion; a challenger it replaces is retired."""
    return _move(uow, version, ModelEvent.SHADOW, ModelStatus.CHALLENGER, at)


def retire_model(uow: Callable[[], UnitOfWork], version: str, at: dt.datetime) -> ModelVersion:
    return _move(uow, version, ModelEvent.RETIRE, None, at)


def _move(
    uow: Callable[[], UnitOfWork], version: str, event: ModelEvent, exclusive: ModelStatus | None, at: dt.datetime
) -> ModelVersion:
    with uow() as work:
        moved = work.models.get(version).after(event, at)
        if exclusive is not None:
            for other in work.models.with_status(exclusive):
                if other.version != version:
                    work.models.save(other.after(ModelEvent.RETIRE, at))
        work.models.save(moved)
        work.commit()
    return moved


__all__ = ["promote_model", "retire_model", "shadow_model"]
