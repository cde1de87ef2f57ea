"""Use cases of the consent-gated indicator API: ``release_indicators`` for one subject, and its bulk form for
in-loan monitoring. Both check the consent, read the indicators, count the use atomically, record the access
for the applicant and metering, and audit the query — allowed or refused, with the machine-readable reason."""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from puhui.core.errors import Conflict, InvalidIdentifier, PermissionDenied, ValidationError
from puhui.core.ids import parse_subject_id
from puhui.core.pseudonym import Pseudonymizer
from puhui.gov.audit.model import Actor, AuditEvent, EventType, Outcome
from puhui.gov.consent.model import Consent, Refusal
from puhui.gov.consent.services import mark_expired
from puhui.gov.idempotency import IDEMPOTENCY_HOURS, IdempotencyKey
from puhui.gov.institutions.model import Institution
from puhui.gov.queries.model import DataAccess, new_access_id
from puhui.gov.queries.reader import IndicatorReader, IndicatorScalar, IndicatorSet, IndicatorValue
from puhui.gov.unit_of_work import UnitOfWork

MAX_BULK_ITEMS = 500


@dataclasses.dataclass(frozen=True, slots=True)
class Release:
    """What leaves the node for one subject: indicators with their definition versions, and the as-of date."""

    query_id: str
    consent_id: str
    as_of: dt.date
    indicators: tuple[IndicatorValue, ...]
    uses: int


@dataclasses.dataclass(frozen=True, slots=True)
class QueryItem:
    consent_id: str
    subject_id: str
    groups: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class BulkOutcome:
    consent_id: str
    release: Release | None
    refusal: Refusal | None


@dataclasses.dataclass(slots=True)
class _Checked:
    item: QueryItem
    pseudonym: str | None  # None when the subject ID is invalid
    consent: Consent | None
    refusal: Refusal | None


def _check(
    uow: UnitOfWork,
    institution: Institution,
    purpose: str,
    item: QueryItem,
    pseudonymizer: Pseudonymizer,
    now: dt.datetime,
) -> _Checked:
    try:
        pseudonym = pseudonymizer.of(parse_subject_id(item.subject_id))
    except InvalidIdentifier as err:
        return _Checked(item, None, None, Refusal(err.code, err.message))
    consent = uow.consents.find(item.consent_id)
    if consent is None:
        return _Checked(item, pseudonym, None, Refusal("consent_not_found", f"no consent {item.consent_id}"))
    refusal = consent.refusal(
        institution_id=institution.id, purpose=purpose, subject_pseudonym=pseudonym, groups=item.groups, now=now
    )
    return _Checked(item, pseudonym, consent, refusal)


def _frequency_refusal(consent: Consent) -> Refusal:
    frequency = consent.terms.frequency
    return Refusal(
        "frequency_exhausted",
        f"the consent allows {frequency.count} use(s) per {frequency.unit.value}; none is left in this period",
    )


def _settle(
    uow: UnitOfWork,
    checked: _Checked,
    institution: Institution,
    purpose: str,
    indicators: IndicatorSet | None,
    actor: Actor,
    now: dt.datetime,
) -> BulkOutcome:
    """Count the use (or refuse), record the access and the audit event; the caller commits."""
    item, consent, refusal = checked.item, checked.consent, checked.refusal
    uses: int | None = None
    if refusal is None and consent is not None and checked.pseudonym is not None:
        uses = uow.consents.use(consent.id, now=now, period_key=consent.terms.frequency.period_key(now))
        if uses is None:  # lost a race (revoked, expired or used up meanwhile): say which
            current = uow.consents.get(consent.id)
            refusal = current.refusal(
                institution_id=institution.id,
                purpose=purpose,
                subject_pseudonym=checked.pseudonym,
                groups=item.groups,
                now=now,
            ) or _frequency_refusal(current)
    if consent is not None and refusal is not None and refusal.code == "consent_expired" and consent.lapsed(now):
        mark_expired(uow, consent, now)
    query_id = new_access_id()
    outcome = Outcome.SUCCESS if refusal is None else Outcome.REFUSED
    reason = "" if refusal is None else refusal.code
    if checked.pseudonym is not None:
        uow.accesses.add(
            DataAccess(
                query_id,
                now,
                institution.id,
                consent.id if consent is not None else None,
                checked.pseudonym,
                purpose,
                item.groups,
                outcome,
                reason,
            )
        )
    uow.audit.append(
        AuditEvent.by(
            actor,
            EventType.INDICATOR_QUERY,
            checked.pseudonym or "invalid subject id",
            at=now,
            outcome=outcome,
            reason=reason,
            consent_id=consent.id if consent is not None else None,
            detail={"query_id": query_id, "purpose": purpose, "groups": list(item.groups)},
        )
    )
    if refusal is not None:
        return BulkOutcome(item.consent_id, None, refusal)
    assert indicators is not None and uses is not None, "an allowed query was read and counted"
    wanted = set(item.groups)
    values = tuple(v for v in indicators.values if v.group in wanted)  # never more than was asked and consented
    return BulkOutcome(item.consent_id, Release(query_id, item.consent_id, indicators.as_of, values, uses), None)


def release_indicators(
    uow: UnitOfWork,
    *,
    institution: Institution,
    purpose: str,
    item: QueryItem,
    reader: IndicatorReader,
    pseudonymizer: Pseudonymizer,
    actor: Actor,
    now: dt.datetime,
    as_of: dt.date | None = None,
    idempotency: IdempotencyKey | None = None,
) -> Release:
    """Indicators of one subject under one consent, or ``PermissionDenied`` with the reason (audited).
    ``as_of`` asks for the indicators as they were on a past day (point in time), never a future one. A query
    served before under the same ``idempotency`` key is answered again as it was, without another use."""
    if as_of is not None and as_of > now.date():
        raise ValidationError("the as-of date of a query cannot be in the future", code="as_of_in_future")
    # One transaction: the key claimed, the consent checked, the indicators read, the use counted, the access,
    # metering and audit written. Each transaction costs the node more CPU than the reads and writes in it; on
    # PostgreSQL no lock is held while the indicators are read (the use counter's row lock comes after), and on
    # SQLite a worker's writers queue for the single write lock either way.
    with uow:
        answered = _claim(uow, institution, idempotency, now) if idempotency is not None else None
        if answered is None:
            checked = _check(uow, institution, purpose, item, pseudonymizer, now)
            indicators = None
            if checked.refusal is None and checked.consent is not None and checked.pseudonym is not None:
                indicators = reader.read(
                    checked.pseudonym, item.groups, as_of=as_of, lookback_months=checked.consent.terms.lookback_months
                )
            outcome = _settle(uow, checked, institution, purpose, indicators, actor, now)
            if idempotency is not None:
                if outcome.release is not None:
                    uow.idempotency.complete(institution.id, idempotency.key, _release_record(outcome.release))
                else:  # nothing served: a retry (after the applicant signs, say) is judged afresh
                    uow.idempotency.release(institution.id, idempotency.key)
            uow.commit()
    if answered is not None:  # served before under this key (or by a concurrent retry meanwhile): that answer
        return _replayed(uow, _release_from_record(answered), institution, purpose, item, actor, now)
    if outcome.release is None:
        assert outcome.refusal is not None
        if outcome.refusal.code.startswith("invalid_identifier"):
            raise InvalidIdentifier(outcome.refusal.message, code=outcome.refusal.code)
        raise outcome.refusal.error()
    return outcome.release


def release_indicators_bulk(
    uow: UnitOfWork,
    *,
    institution: Institution,
    purpose: str,
    items: Sequence[QueryItem],
    reader: IndicatorReader,
    pseudonymizer: Pseudonymizer,
    actor: Actor,
    now: dt.datetime,
    as_of: dt.date | None = None,
    idempotency: IdempotencyKey | None = None,
) -> list[BulkOutcome]:
    """Many consented subjects in one call (in-loan monitoring, or a bank replaying its history ``as_of`` a past
    day); each item is served or refused on its own. A call that served some before under the same
    ``idempotency`` key is answered again as it was."""
    if as_of is not None and as_of > now.date():
        raise ValidationError("the as-of date of a query cannot be in the future", code="as_of_in_future")
    if len(items) > MAX_BULK_ITEMS:
        raise PermissionDenied(f"at most {MAX_BULK_ITEMS} subjects per call", code="bulk_too_large")
    with uow:
        answered = _answered(uow, institution, idempotency)
        if answered is not None:
            return _outcomes_from_record(answered)
        checked = [_check(uow, institution, purpose, item, pseudonymizer, now) for item in items]
    by_groups: dict[tuple[tuple[str, ...], int], list[_Checked]] = defaultdict(list)
    for entry in checked:
        if entry.refusal is None and entry.consent is not None and entry.pseudonym is not None:
            by_groups[(tuple(sorted(entry.item.groups)), entry.consent.terms.lookback_months)].append(entry)
    read: dict[int, IndicatorSet] = {}
    for (groups, lookback), entries in by_groups.items():
        subjects = [e.pseudonym for e in entries if e.pseudonym is not None]
        sets = reader.read_many(subjects, groups, as_of=as_of, lookback_months=lookback)
        for entry in entries:
            read[id(entry)] = sets[entry.pseudonym or ""]
    with uow:
        if idempotency is not None:
            answered = _claim(uow, institution, idempotency, now)
            if answered is not None:
                return _outcomes_from_record(answered)
        outcomes = [_settle(uow, e, institution, purpose, read.get(id(e)), actor, now) for e in checked]
        if idempotency is not None:
            if any(o.release is not None for o in outcomes):
                uow.idempotency.complete(institution.id, idempotency.key, _outcomes_record(outcomes))
            else:
                uow.idempotency.release(institution.id, idempotency.key)
        uow.commit()
    return outcomes


# Retried requests (``gov/idempotency.py``): the first answer, stored with the work in one transaction.

_IDEMPOTENCY_PURGE_ONE_IN = 500


def _answered(
    uow: UnitOfWork, institution: Institution, idempotency: IdempotencyKey | None
) -> Mapping[str, Any] | None:
    if idempotency is None:
        return None
    stored = uow.idempotency.find(institution.id, idempotency.key)
    return None if stored is None else stored.for_request(idempotency)


def _claim(
    uow: UnitOfWork, institution: Institution, idempotency: IdempotencyKey, now: dt.datetime
) -> Mapping[str, Any] | None:
    """Take the key in this transaction, or the answer stored under it by a request that got there first."""
    if secrets.randbelow(_IDEMPOTENCY_PURGE_ONE_IN) == 0:
        uow.idempotency.forget_before(now - dt.timedelta(hours=IDEMPOTENCY_HOURS))
    stored = uow.idempotency.claim(institution.id, idempotency.key, idempotency.fingerprint, now)
    if stored is None:
        return None
    answer = stored.for_request(idempotency)
    if answer is None:
        raise Conflict("this request is still being answered", code="idempotency_key_in_use")
    return answer


def _replayed(
    uow: UnitOfWork,
    release: Release,
    institution: Institution,
    purpose: str,
    item: QueryItem,
    actor: Actor,
    now: dt.datetime,
) -> Release:
    """The stored release again; the repeat is audited (no use counted, no new data access: nothing new left)."""
    with uow:
        uow.audit.append(
            AuditEvent.by(
                actor,
                EventType.INDICATOR_QUERY,
                f"repeat of {release.query_id}",
                at=now,
                consent_id=release.consent_id,
                detail={"query_id": release.query_id, "purpose": purpose, "groups": list(item.groups), "repeat": True},
            )
        )
        uow.commit()
    return release


def _scalar_record(value: IndicatorScalar) -> Any:
    return {"decimal": str(value)} if isinstance(value, Decimal) else value


def _scalar_from_record(value: Any) -> IndicatorScalar:
    return Decimal(value["decimal"]) if isinstance(value, dict) else value


def _release_record(release: Release) -> dict[str, Any]:
    return {
        "query_id": release.query_id,
        "consent_id": release.consent_id,
        "as_of": release.as_of.isoformat(),
        "uses": release.uses,
        "indicators": [[v.name, v.group, _scalar_record(v.value), v.definition_version] for v in release.indicators],
    }


def _release_from_record(record: Mapping[str, Any]) -> Release:
    return Release(
        record["query_id"],
        record["consent_id"],
        dt.date.fromisoformat(record["as_of"]),
        tuple(IndicatorValue(n, g, _scalar_from_record(v), d) for n, g, v, d in record["indicators"]),
        int(record["uses"]),
    )


def _outcomes_record(outcomes: Sequence[BulkOutcome]) -> dict[str, Any]:
    return {
        "outcomes": [
            {
                "consent_id": o.consent_id,
                "release": _release_record(o.release) if o.release is not None else None,
                "refusal": [o.refusal.code, o.refusal.message] if o.refusal is not None else None,
            }
            for o in outcomes
        ]
    }


def _outcomes_from_record(record: Mapping[str, Any]) -> list[BulkOutcome]:
    return [
        BulkOutcome(
            o["consent_id"],
            _release_from_record(o["release"]) if o["release"] is not None else None,
            Refusal(*o["refusal"]) if o["refusal"] is not None else None,
        )
        for o in record["outcomes"]
    ]


__all__ = [
    "MAX_BULK_ITEMS",
    "BulkOutcome",
    "QueryItem",
    "Release",
    "release_indicators",
    "release_indicators_bulk",
]
