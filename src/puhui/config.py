"""Settings shared by every node: the ``PUHUI_`` environment, one home folder, and secrets without defaults.

Each node adds its own settings class on top of ``PuhuiSettings`` (``gov/config.py``, ``bank/config.py``).
Secrets have no usable default: in the ``development`` profile a random one is created once and kept under
``PUHUI_HOME/secrets`` (mode 0600); in ``production`` a missing secret stops the node at start-up.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from puhui.core.errors import ValidationError


class PuhuiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PUHUI_", extra="ignore")

    home: Path = Field(default_factory=lambda: Path.home() / ".puhui")
    profile: Literal["development", "production"] = "development"

    @property
    def secrets_dir(self) -> Path:
        return self.home / "secrets"

    def secret(self, name: str, configured: str | None, *, nbytes: int = 32) -> str:
        """A configured secret, or in development one made once and kept in the home folder."""
        if configured:
            return configured
        if self.profile != "development":
            raise ValidationError(
                f"secret {name} is not configured; set PUHUI_{name.upper()} (no default outside development)"
            )
        path = self.secrets_dir / name
        if path.exists():
            return path.read_text().strip()
        self.secrets_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        value = secrets.token_hex(nbytes)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
        return value


__all__ = ["PuhuiSettings"]
