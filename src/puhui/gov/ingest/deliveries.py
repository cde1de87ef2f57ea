"""Finding delivery files and what the manifest says about them (``docs/delivery-format.md``).

``PATH`` may be one delivery file, a provider folder, a deliveries folder (with ``manifest.json``), or a folder
holding ``deliveries/``. A file's data set comes from the manifest, else from its place:
``<provider_id>/<dataset_short>.<ext>``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from puhui.core.clock import CHINA_TIME
from puhui.core.errors import IngestError

MANIFEST = "manifest.json"
DELIVERY_SUFFIXES = (".csv", ".xlsx", ".parquet")


class ManifestEntry(BaseModel):
    model_config = ConfigDict(extra="ignore")

    path: str
    dataset: str | None = None
    provider: str | None = None
    format: str | None = None
    encoding: str | None = None
    rows: int | None = None
    sha256: str | None = None
    delivered_at: dt.datetime | None = None


class Manifest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    files: list[ManifestEntry] = []


@dataclass(frozen=True)
class DeliveryFile:
    path: Path
    relative: str  # as the manifest names it: provider/file.ext
    dataset: str
    entry: ManifestEntry | None

    @property
    def delivered_at(self) -> dt.datetime | None:
        when = self.entry.delivered_at if self.entry else None
        if when is not None and when.tzinfo is None:  # departments mean Beijing time
            when = when.replace(tzinfo=CHINA_TIME)
        return when


def read_manifest(root: Path) -> Manifest | None:
    path = root / MANIFEST
    if not path.exists():
        return None
    try:
        return Manifest.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValidationError, json.JSONDecodeError, UnicodeDecodeError) as err:
        raise IngestError(f"{path} is not a valid manifest: {type(err).__name__}") from None


def _is_delivery(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in DELIVERY_SUFFIXES and not path.name.startswith((".", "_"))


def find_deliveries(path: Path) -> list[DeliveryFile]:
    """Every delivery file under ``path`` with its manifest entry, in a stable order."""
    path = path.resolve()
    if not path.exists():
        raise IngestError(f"{path} does not exist")
    if path.is_dir() and not (path / MANIFEST).exists() and (path / "deliveries").is_dir():
        path = path / "deliveries"
    if path.is_file():
        root, files = path.parent.parent, [path]
    elif (path / MANIFEST).exists() or not any(_is_delivery(f) for f in path.iterdir()):
        root = path  # a deliveries folder: one sub-folder per provider
        files = sorted(f for folder in path.iterdir() if folder.is_dir() for f in folder.iterdir() if _is_delivery(f))
    else:
        root = path.parent  # one provider's folder
        files = sorted(f for f in path.iterdir() if _is_delivery(f))
    manifest = read_manifest(root)
    entries = {e.path: e for e in manifest.files} if manifest else {}
    found = []
    for file in files:
        relative = file.relative_to(root).as_posix()
        entry = entries.get(relative)
        dataset = entry.dataset if entry and entry.dataset else f"{file.parent.name}.{file.stem}"
        found.append(DeliveryFile(file, relative, dataset, entry))
    if path.is_dir() and path == root:  # a whole deliveries folder: listed files that never arrived
        present = {f.relative for f in found}
        for relative, entry in sorted(entries.items()):
            if relative not in present:
                found.append(DeliveryFile(root / relative, relative, entry.dataset or relative, entry))
    return found


__all__ = ["DeliveryFile", "Manifest", "ManifestEntry", "find_deliveries", "read_manifest"]
