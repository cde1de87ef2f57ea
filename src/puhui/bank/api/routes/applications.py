"""``/v1/applications``: submit an application, follow it, have it decided."""

from __future__ import annotations

from fastapi import APIRouter, Response

from puhui.bank.api.deps import Context
from puhui.bank.api.schemas import ApplicationCreate, ApplicationPublic
from puhui.bank.decision.model import ApplicationStatus
from puhui.bank.decision.use_cases import (
    ApplicationState,
    application_state,
    decide_application,
    submit_application,
)

router = APIRouter(prefix="/v1/applications", tags=["applications"])


def _public(state: ApplicationState) -> Response:
    # 200 once decided; 202 while the applicant signs the consent or the government node is awaited. Serialized
    # once here: returned as a model, FastAPI would validate and serialize it again (``response_model`` keeps the
    # schema documented).
    return Response(
        ApplicationPublic.model_validate(state.as_public()).model_dump_json(),
        status_code=200 if state.status is ApplicationStatus.DECIDED else 202,
        media_type="application/json",
    )


@router.post("", response_model=ApplicationPublic, status_code=202)
def submit(body: ApplicationCreate, ctx: Context) -> Response:
    """Receive an application and open its consent at the government node (idempotent per application id)."""
    return _public(submit_application(ctx, body.to_domain(ctx.today())))


@router.get("/{application_id}", response_model=ApplicationPublic)
def show(application_id: str, ctx: Context) -> Response:
    return _public(application_state(ctx, application_id))


@router.post("/{application_id}/decision", response_model=ApplicationPublic)
def decide(application_id: str, ctx: Context) -> Response:
    """Decide once the applicant has signed the consent: approve, decline or refer, with limit, rate and reasons.
    409 while the consent is unsigned; 202 while the government node does not answer (nothing is approved)."""
    return _public(decide_application(ctx, application_id))
