"""Replay the bank's historical applications through the government node, point in time, under their consents.

At bootstrap the bank has past applications and their outcomes but not the indicators the government node would
have released for them. Each one is replayed: a consent is requested for its applicant and the applicant signs
it; then the indicators are queried *as of the last day of the month before the application* — so a model never
learns from what happened after the decision. The queries go in bulk, one call per month and up to 500
applications (the node computes a past as-of once for many subjects). What comes back is stored like any
received indicators, for the consent's data life.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select

from puhui.bank.db.tables import CustomerRow, PastApplicationRow, ReceivedIndicatorsRow
from puhui.bank.decision.use_cases import DecisionContext, idempotency_key
from puhui.bank.gov_client.model import ConsentRequest
from puhui.core.errors import PuhuiError
from puhui.core.ids import SubjectKind

# (consent id, subject id, name) -> None: how the applicant signs (in production: they did, when they applied)
SignConsent = Callable[[str, str, str], Any]
Progress = Callable[[int, int], None]
BULK_ITEMS = 500  # the most a bulk query takes


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


def replay_as_of(applied_on: dt.date) -> dt.date:
    """The cut-off a past application is replayed at: the end of the month before it (strictly earlier data)."""
    return applied_on.replace(day=1) - dt.timedelta(days=1)


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
    steps = len(pending) * 2
    done_steps = 0
    errors: list[str] = []
    consented: list[tuple[_Past, str]] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for past, outcome in zip(
            pending, pool.map(lambda past: _consent(ctx, sign_consent, past), pending), strict=True
        ):
            if outcome.startswith("con_"):
                consented.append((past, outcome))
            else:
                errors.append(outcome)
            done_steps += 1
            if progress is not None:
                progress(done_steps, steps)
    by_month: dict[dt.date, list[tuple[_Past, str]]] = defaultdict(list)
    for past, consent_id in consented:
        by_month[replay_as_of(past.applied_on)].append((past, consent_id))
    stored = 0
    for as_of, month in sorted(by_month.items()):
        for start in range(0, len(month), BULK_ITEMS):
            chunk = month[start : start + BULK_ITEMS]
            ok, failed = _query_chunk(ctx, as_of, chunk)
            stored += ok
            errors.extend(failed)
            done_steps += len(chunk)
            if progress is not None:
                progress(done_steps, steps)
    return ReplaySummary(stored, already, len(pending) - stored, tuple(errors[:5]))


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


def _consent(ctx: DecisionContext, sign_consent: SignConsent, past: _Past) -> str:
    """The consent id of a signed consent for ``past``, or an error line."""
    try:
        request = ConsentRequest(past.subject_kind, past.subject_id, ctx.groups, ctx.consent_terms, past.application_id)
        key = idempotency_key("replay-consent", past.application_id)
        pending = ctx.gov.request_consent(request, idempotency_key=key)
        sign_consent(pending.consent_id, past.subject_id, past.name)
    except PuhuiError as err:
        return f"{past.application_id}: {err.code}: {err.message}"
    return pending.consent_id


def _query_chunk(ctx: DecisionContext, as_of: dt.date, chunk: list[tuple[_Past, str]]) -> tuple[int, list[str]]:
    try:
        answers = ctx.gov.query_indicators_bulk(
            [(consent_id, past.subject_id) for past, consent_id in chunk],
            ctx.groups,
            purpose=ctx.consent_terms.purpose,
            as_of=as_of,
            # the same chunk again (a retry, a resumed replay) carries the same key; another chunk another one
            idempotency_key=idempotency_key("replay", as_of.isoformat(), *(consent for _, consent in chunk)),
        )
    except PuhuiError as err:
        return 0, [f"{past.application_id}: {err.code}: {err.message}" for past, _ in chunk]
    now = ctx.clock()
    errors = []
    stored = 0
    with ctx.uow() as uow:
        for (past, _consent_id), answer in zip(chunk, answers, strict=True):
            received = answer.received
            if received is None:
                errors.append(f"{past.application_id}: {answer.refusal}: {answer.message}")
                continue
            if received.as_of > as_of:
                errors.append(f"{past.application_id}: the node answered as of {received.as_of}, not {as_of}")
                continue
            uow.indicators.add(ctx.kept_indicators(past.application_id, past.subject_id, received, now))
            stored += 1
        uow.commit()
    return stored, errors


__all__ = ["ReplaySummary", "SignConsent", "replay_as_of", "replay_history", "training_population"]
