"""Replay the bank's historical applications through the government node, point in time, under their consents.

At bootstrap the bank has past applications and their outcomes but not the indicators the government node would
have released for them. Each one is replayed: a consent is requested for its applicant, the applicant signs it,
and the indicators are queried *as of the application date* — so a model never learns from what happened after
the decision. What comes back is stored like any received indicators, for the consent's data life.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select

from puhui.bank.db.tables import CustomerRow, PastApplicationRow, ReceivedIndicatorsRow
from puhui.bank.db.uow import ReceivedIndicators
from puhui.bank.decision.use_cases import DecisionContext
from puhui.bank.gov_client.model import ConsentRequest
from puhui.core.errors import PuhuiError
from puhui.core.ids import SubjectKind

# (consent id, subject id, name) -> None: how the applicant signs (in production: they did, when they applied)
SignConsent = Callable[[str, str, str], Any]
Progress = Callable[[int, int], None]


@dataclasses.dataclass(frozen=True, slots=True)
class ReplaySummary:
    replayed: int
    already: int
    failed: int
    errors: tuple[str, ...]  # the first few failures, for the operator


@dataclasses.dataclass(frozen=True, slots=True)
class _Past:
    application_id: str
    subject_id: str
    subject_kind: SubjectKind
    applied_on: dt.date
    name: str


def training_population(min_months_observed: int) -> Any:
    """The past applications a model learns from: approved loans observed long enough to judge."""
    return (PastApplicationRow.approved.is_(True)) & (PastApplicationRow.months_observed >= min_months_observed)


def replay_history(
    ctx: DecisionContext,
    sign_consent: SignConsent,
    *,
    min_months_observed: int = 6,
    workers: int = 8,
    progress: Progress | None = None,
) -> ReplaySummary:
    """Replay every past application of the training population not replayed yet (resumable)."""
    pending, already = _pending(ctx, min_months_observed)
    done, errors = 0, []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for index, failure in enumerate(pool.map(lambda past: _replay_one(ctx, sign_consent, past), pending)):
            if failure is None:
                done += 1
            else:
                errors.append(failure)
            if progress is not None:
                progress(index + 1, len(pending))
    return ReplaySummary(done, already, len(errors), tuple(errors[:5]))


def _pending(ctx: DecisionContext, min_months_observed: int) -> tuple[list[_Past], int]:
    with ctx.uow() as uow:
        session = uow.session
        rows = session.execute(
            select(
                PastApplicationRow.application_id,
                PastApplicationRow.subject_id,
                PastApplicationRow.subject_kind,
                PastApplicationRow.applied_on,
                CustomerRow.name,
            )
            .join(CustomerRow, CustomerRow.subject_id == PastApplicationRow.subject_id, isouter=True)
            .where(training_population(min_months_observed))
            .order_by(PastApplicationRow.applied_on, PastApplicationRow.application_id)
        ).all()
        replayed = set(session.scalars(select(ReceivedIndicatorsRow.application_id).distinct()))
    pending = [
        _Past(application_id, subject, SubjectKind(kind), applied_on, name or "")
        for application_id, subject, kind, applied_on, name in rows
        if application_id not in replayed
    ]
    return pending, len(rows) - len(pending)


def _replay_one(ctx: DecisionContext, sign_consent: SignConsent, past: _Past) -> str | None:
    try:
        request = ConsentRequest(past.subject_kind, past.subject_id, ctx.groups, ctx.consent_terms, past.application_id)
        pending = ctx.gov.request_consent(request, idempotency_key=f"replay-consent-{past.application_id}")
        sign_consent(pending.consent_id, past.subject_id, past.name)
        received = ctx.gov.query_indicators(
            pending.consent_id,
            past.subject_kind,
            past.subject_id,
            ctx.groups,
            purpose=ctx.consent_terms.purpose,
            as_of=past.applied_on,
            idempotency_key=f"replay-query-{past.application_id}",
        )
    except PuhuiError as err:
        return f"{past.application_id}: {err.code}: {err.message}"
    if received.as_of > past.applied_on:
        return f"{past.application_id}: the node answered as of {received.as_of}, after the application"
    now = ctx.clock()
    with ctx.uow() as uow:
        uow.indicators.add(
            ReceivedIndicators(
                application_id=past.application_id,
                subject_id=past.subject_id,
                consent_id=received.consent_id,
                as_of=received.as_of,
                values=received.values,
                versions=received.versions,
                received_at=now,
                keep_until=now + dt.timedelta(days=ctx.consent_terms.data_life_days),
            )
        )
        uow.commit()
    return None


__all__ = ["ReplaySummary", "SignConsent", "replay_history", "training_population"]
