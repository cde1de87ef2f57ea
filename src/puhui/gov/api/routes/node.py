"""The node itself: health, its consent-signing key, the indicator groups a consent can cover."""

from __future__ import annotations

from fastapi import APIRouter

from puhui.gov.api.deps import Node
from puhui.gov.api.schemas import GroupPublic, NodeKeyPublic

router = APIRouter(prefix="/v1", tags=["node"])


@router.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/node-key")
def node_key(node: Node) -> NodeKeyPublic:
    """The public key that verifies the node's signature on consent artefacts."""
    return NodeKeyPublic(public_key=node.public_key)


@router.get("/indicator-groups")
def indicator_groups(node: Node) -> list[GroupPublic]:
    """The indicator groups, the unit a consent covers."""
    return [
        GroupPublic(
            name=group.name,
            label_zh=group.label.zh,
            label_en=group.label.en,
            sensitive=group.sensitive,
            income_or_property=group.income_or_property,
            definition_version=group.definition_version,
        )
        for group in node.reader.groups().values()
    ]
