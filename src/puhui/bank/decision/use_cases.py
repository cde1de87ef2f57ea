"""The use cases of the decision flow: submit an application, decide it, retry the waiting ones, purge indicators.

An application is received, the bank asks the government node for a consent the applicant signs there, then
``decide_application`` queries the indicators under that consent, joins the bank's own data, evaluates the
champion rule set, scores with the champion model, prices, and stores the decision record — with the challenger
rule set and model run in shadow beside it. Both use cases are idempotent per application id. When the
government node does not answer, nothing is approved: the application waits and is tried again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import time
from collections.abc import Callable, Mapping
from typing import Any

from puhui.bank.db.uow import ReceivedIndicators, StoredApplication, UnitOfWork
from puhui.bank.decision.facts import build_facts
from puhui.bank.decision.model import (
    Application,
    ApplicationStatus,
    Decision,
    DecisionRecord,
    Outcome,
    Reason,
)
from puhui.bank.decision.policy import check_application, decide
from puhui.bank.decision.ports import OwnDataReader, RiskModel
from puhui.bank.decision.reasons import policy_reason
from puhui.bank.gov_client.model import ConsentRequest, ConsentTerms, GovGateway, ReceivedIndicatorSet
from puhui.bank.rules.definitions import RuleSet
from puhui.core.clock import CHINA_TIME
from puhui.core.errors import Conflict, NotFound, PermissionDenied, UpstreamUnavailable
from puhui.core.i18n import Text

# Refusals of the government node that mean the applicant has not signed yet (wait), not that they refused.
CONSENT_NOT_YET = frozenset({"consent_pending", "consent_not_started"})
CONSENT_SPENT = "frequency_exhausted"


@dataclasses.dataclass
class DecisionContext:
    """Everything the use cases need, assembled once by ``bank.bootstrap``."""

    uow: Callable[[], UnitOfWork]  # a fresh unit of work per use (requests run on many threads)
    gov: GovGateway
    ruleset: RuleSet
    challenger_ruleset: RuleSet | None
    models: Callable[[], tuple[RiskModel | None, RiskModel | None]]  # (champion, challenger), current
    own_data: OwnDataReader
    groups: tuple[str, ...]  # the indicator groups an application's consent asks for
    consent_terms: ConsentTerms = dataclasses.field(default_factory=ConsentTerms)
    labels: Mapping[str, Text] = dataclasses.field(default_factory=dict)
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        """Today in China (UTC+8, no daylight saving): the day an application without a date is made."""
        return self.clock().astimezone(CHINA_TIME).date()

    def kept_indicators(
        self, application_id: str, subject_id: str, received: ReceivedIndicatorSet, now: dt.datetime
    ) -> ReceivedIndicators:
        """What the bank stores of a received indicator set: kept only for the consent's data life."""
        return ReceivedIndicators(
            application_id=application_id,
            subject_id=subject_id,
            consent_id=received.consent_id,
            as_of=received.as_of,
            values=received.values,
            versions=received.versions,
            received_at=now,
            keep_until=now + dt.timedelta(days=self.consent_terms.data_life_days),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class ApplicationState:
    application_id: str
    status: ApplicationStatus
    consent_id: str | None
    decision: DecisionRecord | None = None
    reasons: tuple[Reason, ...] = ()  # why it waits, when it does

    def as_public(self) -> dict[str, Any]:
        return {
            "application_id": self.application_id,
            "status": self.status.value,
            "consent_id": self.consent_id,
            "reasons": [r.as_record() for r in self.reasons],
            "decision": self.decision.as_public() if self.decision else None,
        }


def submit_application(ctx: DecisionContext, application: Application) -> ApplicationState:
    """Receive an application and open its consent at the government node. The same application again returns
    its current state — and, while no consent could be opened (the node was down), tries again; the same id
    with other terms is a conflict."""
    check_application(ctx.ruleset, application)
    now = ctx.clock()
    with ctx.uow() as uow:
        stored = uow.applications.get(application.application_id)
        if stored is not None:
            if stored.application != application:
                raise Conflict(
                    f"application {application.application_id} was submitted with other terms",
                    code="application_id_reused",
                )
            decided = uow.decisions.get(application.application_id)
            if decided is not None or stored.consent_id is not None:
                return _state(stored, decided)
        if stored is None:
            uow.applications.add(application, now)
            uow.commit()
    # New, or waiting since the government node did not answer the consent request: (re)open the consent.
    return _open_consent(ctx, application)


def application_state(ctx: DecisionContext, application_id: str) -> ApplicationState:
    with ctx.uow() as uow:
        stored = uow.applications.get(application_id)
        if stored is None:
            raise NotFound(f"no application {application_id!r}")
        return _state(stored, uow.decisions.get(application_id))


def decide_application(ctx: DecisionContext, application_id: str) -> ApplicationState:
    """Decide an application whose consent the applicant has signed; a decided one returns its decision."""
    started = time.perf_counter()
    with ctx.uow() as uow:
        stored = uow.applications.get(application_id)
        if stored is None:
            raise NotFound(f"no application {application_id!r}")
        existing = uow.decisions.get(application_id)
    if existing is not None:
        return _state(stored, existing)
    if stored.consent_id is None:  # the government node was down when the application came in
        state = _open_consent(ctx, stored.application)
        if state.consent_id is None:
            return state
        stored = dataclasses.replace(stored, consent_id=state.consent_id, status=state.status)
    application = stored.application
    assert stored.consent_id is not None
    try:
        received = ctx.gov.query_indicators(
            stored.consent_id,
            application.subject_kind,
            application.subject_id,
            ctx.groups,
            purpose=ctx.consent_terms.purpose,
            idempotency_key=idempotency_key("query", application_id, stored.consent_id),
        )
    except UpstreamUnavailable:
        return _wait(ctx, stored)
    except PermissionDenied as refusal:
        if refusal.code in CONSENT_NOT_YET:
            raise Conflict(
                f"the applicant has not signed consent {stored.consent_id} yet", code="consent_pending"
            ) from None
        if refusal.code == CONSENT_SPENT:  # an earlier attempt was served but its answer lost: consent again
            return _open_consent(ctx, application, replaces=stored.consent_id)
        return _store(ctx, stored, _without_consent(ctx, application), None, started)
    decision, shadow = _decide(ctx, application, received)
    return _store(ctx, stored, decision, received, started, shadow)


def retry_waiting(ctx: DecisionContext, limit: int = 100) -> list[ApplicationState]:
    """Try again every application that waits for the government node (a periodic job)."""
    with ctx.uow() as uow:
        waiting = [s.application.application_id for s in uow.applications.waiting(limit)]
    states = []
    for application_id in waiting:
        try:
            states.append(decide_application(ctx, application_id))
        except Conflict:
            continue  # signed consent still missing: it keeps waiting for the applicant
    return states


def purge_expired_indicators(ctx: DecisionContext) -> int:
    """Delete received indicators whose consent's data life has ended; returns how many sets went."""
    with ctx.uow() as uow:
        purged = uow.indicators.purge(ctx.clock())
        uow.commit()
    return purged


def _open_consent(ctx: DecisionContext, application: Application, replaces: str = "") -> ApplicationState:
    """Ask the government node for the application's consent (a new one when ``replaces`` was spent)."""
    request = ConsentRequest(
        subject_kind=application.subject_kind,
        subject_id=application.subject_id,
        groups=ctx.groups,
        terms=ctx.consent_terms,
        reference=application.application_id,
    )
    now = ctx.clock()
    try:
        key = idempotency_key("consent", application.application_id, replaces)
        pending = ctx.gov.request_consent(request, idempotency_key=key)
    except UpstreamUnavailable:
        with ctx.uow() as uow:
            uow.applications.mark(application.application_id, ApplicationStatus.WAITING, now)
            uow.commit()
        return ApplicationState(
            application.application_id, ApplicationStatus.WAITING, None, None, (policy_reason("GOV_UNAVAILABLE"),)
        )
    with ctx.uow() as uow:
        uow.applications.mark(application.application_id, ApplicationStatus.AWAITING_CONSENT, now, pending.consent_id)
        uow.commit()
    return ApplicationState(application.application_id, ApplicationStatus.AWAITING_CONSENT, pending.consent_id)


def _decide(
    ctx: DecisionContext, application: Application, received: ReceivedIndicatorSet
) -> tuple[Decision, Decision | None]:
    segment = ctx.ruleset.product(application.product).segment
    own = ctx.own_data.facts(application.subject_id, application.applied_on)
    facts = build_facts(application, received.values, own, segment.value)
    champion_model, challenger_model = ctx.models()
    score = champion_model.score(facts) if champion_model else None
    decision = decide(application, facts, ctx.ruleset, score, ctx.labels)
    shadow = None
    if ctx.challenger_ruleset is not None or challenger_model is not None:
        shadow_score = challenger_model.score(facts) if challenger_model else score
        shadow = decide(application, facts, ctx.challenger_ruleset or ctx.ruleset, shadow_score, ctx.labels)
    return decision, shadow


def _without_consent(ctx: DecisionContext, application: Application) -> Decision:
    """The applicant rejected or withdrew the consent: without their data the bank cannot lend on pure credit."""
    return Decision(
        outcome=Outcome.REFER,
        ruleset=ctx.ruleset.ref,
        model_version=None,
        grade=None,
        pd=None,
        points=None,
        requested_amount=application.amount,
        limit=None,
        offer=None,
        reasons=(policy_reason("CONSENT_NOT_GIVEN"),),
        findings=(),
    )


def _store(
    ctx: DecisionContext,
    stored: StoredApplication,
    decision: Decision,
    received: ReceivedIndicatorSet | None,
    started: float,
    shadow: Decision | None = None,
) -> ApplicationState:
    now = ctx.clock()
    application_id = stored.application.application_id
    record = DecisionRecord(
        application_id=application_id,
        outcome=decision.outcome,
        limit=decision.limit,
        annual_rate=decision.annual_rate,
        grade=decision.grade,
        pd=decision.pd,
        points=decision.points,
        ruleset=decision.ruleset,
        ruleset_digest=ctx.ruleset.digest,
        model_version=decision.model_version,
        indicator_versions=dict(received.versions) if received else {},
        indicators_as_of=received.as_of if received else None,
        findings=[f.as_record() for f in decision.findings],
        reasons=[r.as_record() for r in decision.reasons],
        offer=decision.offer.as_record() if decision.offer else None,
        shadow=_shadow_record(shadow) if shadow else None,
        decided_at=now,
        latency_ms=round((time.perf_counter() - started) * 1000),
    )
    with ctx.uow() as uow:
        try:
            uow.decisions.add(record)
        except Conflict:  # decided meanwhile by a concurrent request: that decision stands
            uow.session.rollback()
            current = uow.decisions.get(application_id)
            assert current is not None
            return _state(stored, current)
        if received is not None:
            uow.indicators.add(ctx.kept_indicators(application_id, stored.application.subject_id, received, now))
        uow.applications.mark(application_id, ApplicationStatus.DECIDED, now)
        uow.commit()
    return ApplicationState(application_id, ApplicationStatus.DECIDED, stored.consent_id, record)


def _wait(ctx: DecisionContext, stored: StoredApplication) -> ApplicationState:
    with ctx.uow() as uow:
        uow.applications.mark(stored.application.application_id, ApplicationStatus.WAITING, ctx.clock())
        uow.commit()
    return ApplicationState(
        stored.application.application_id,
        ApplicationStatus.WAITING,
        stored.consent_id,
        None,
        (policy_reason("GOV_UNAVAILABLE"),),
    )


def _shadow_record(shadow: Decision) -> dict[str, Any]:
    return {
        "ruleset": shadow.ruleset,
        "model_version": shadow.model_version,
        "outcome": shadow.outcome.value,
        "grade": shadow.grade,
        "pd": str(shadow.pd) if shadow.pd is not None else None,
        "limit": str(shadow.limit) if shadow.limit is not None else None,
        "annual_rate": str(shadow.annual_rate) if shadow.annual_rate is not None else None,
        "reasons": [r.code for r in shadow.reasons],
    }


def _state(stored: StoredApplication, decision: DecisionRecord | None) -> ApplicationState:
    status = ApplicationStatus.DECIDED if decision is not None else stored.status
    return ApplicationState(stored.application.application_id, status, stored.consent_id, decision)


def idempotency_key(*parts: str) -> str:
    """An idempotency key: the same logical request always carries the same key, whatever the retries (32 hex
    characters, whatever the parts hold)."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


__all__ = [
    "ApplicationState",
    "DecisionContext",
    "application_state",
    "decide_application",
    "idempotency_key",
    "purge_expired_indicators",
    "retry_waiting",
    "submit_application",
]
