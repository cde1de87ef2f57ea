"""Consent-gated indicator queries: one subject, or many at once for in-loan monitoring."""

from __future__ import annotations

from fastapi import APIRouter, Response

from puhui.gov.api.deps import CallingInstitution, Idempotency, InstitutionActor, Node
from puhui.gov.api.schemas import BulkPublic, BulkQueryCreate, BulkResultPublic, IndicatorQueryCreate, ReleasePublic
from puhui.gov.queries import services
from puhui.gov.queries.services import QueryItem

router = APIRouter(prefix="/v1/indicator-queries", tags=["indicator queries"])


@router.post("", response_model=ReleasePublic)
async def query(
    body: IndicatorQueryCreate,
    node: Node,
    institution: CallingInstitution,
    actor: InstitutionActor,
    idempotency: Idempotency,
) -> Response:
    """Indicators (with definition versions and as-of date, never raw data) if the consent covers the query;
    otherwise 403 with the reason in ``code``. Retried with the same ``Idempotency-Key``: the same answer, the
    consent used once."""
    # The bank's hot path, run on the event loop: two short SQLite transactions cost less CPU than a hop to the
    # thread pool, and each worker process serializes its own writers anyway (SQLite has one writer at a time).
    # The answer is serialized once here; FastAPI would validate and serialize the model again.
    release = services.release_indicators(
        node.uow(),
        institution=institution,
        purpose=body.purpose,
        item=QueryItem(body.consent_id, body.subject_id, tuple(body.groups)),
        reader=node.reader,
        pseudonymizer=node.pseudonymizer,
        actor=actor,
        now=node.now(),
        as_of=body.as_of,
        idempotency=idempotency,
    )
    return Response(ReleasePublic.of(release).model_dump_json(), media_type="application/json")


@router.post("/bulk")
def query_many(
    body: BulkQueryCreate,
    node: Node,
    institution: CallingInstitution,
    actor: InstitutionActor,
    idempotency: Idempotency,
) -> BulkPublic:
    """Many consented subjects per call; each item is served or refused on its own, with its reason."""
    outcomes = services.release_indicators_bulk(
        node.uow(),
        institution=institution,
        purpose=body.purpose,
        items=[QueryItem(i.consent_id, i.subject_id, tuple(i.groups)) for i in body.items],
        reader=node.reader,
        pseudonymizer=node.pseudonymizer,
        actor=actor,
        now=node.now(),
        as_of=body.as_of,
        idempotency=idempotency,
    )
    results = [BulkResultPublic.of(o) for o in outcomes]
    served = sum(r.served for r in results)
    return BulkPublic(served=served, refused=len(results) - served, results=results)
