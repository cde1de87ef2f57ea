"""Settings of the government node: its database, its keys and the limits of its API.

Every value is a ``PUHUI_`` environment variable (``GovSettings(PuhuiSettings)``). Secrets — the administrator
token, the node's Ed25519 signing key and the pseudonym keys — come through ``secret()``: configured in
production, generated once under ``PUHUI_HOME/secrets`` in development.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from puhui.config import PuhuiSettings
from puhui.core.pseudonym import PseudonymKeyring


class GovSettings(PuhuiSettings):
    gov_database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite under PUHUI_HOME/gov/state.db"
    )
    gov_admin_token: str | None = Field(default=None, description="bearer token of the information-centre admin")
    gov_signing_key: str | None = Field(default=None, description="hex Ed25519 seed the node signs consents with")
    pseudonym_keys: str | None = Field(default=None, description='"VERSION:HEX,…" keys of subject pseudonyms')
    gov_host: str = "127.0.0.1"
    gov_port: int = 8700
    gov_request_window_seconds: int = Field(default=300, gt=0, description="accepted clock skew of signed requests")
    gov_session_minutes: int = Field(default=30, gt=0, description="life of an applicant's session")
    gov_code_minutes: int = Field(default=5, gt=0, description="life of a one-time identity code")
    gov_code_attempts: int = Field(default=5, gt=0, description="wrong codes before a challenge is spent")
    gov_consent_request_days: int = Field(default=7, gt=0, description="days an unsigned consent request stays open")
    gov_indicator_reader: str | None = Field(
        default=None, description='"module:factory" building the IndicatorReader from these settings'
    )

    @property
    def gov_home(self) -> Path:
        return self.home / "gov"

    @property
    def database_url(self) -> str:
        if self.gov_database_url:
            return self.gov_database_url
        return f"sqlite:///{self.gov_home / 'state.db'}"

    @property
    def shows_development_codes(self) -> bool:
        """Only a development node hands one-time codes back in the API (there is no SMS gateway here)."""
        return self.profile == "development"

    def admin_token(self) -> str:
        return self.secret("gov_admin_token", self.gov_admin_token)

    def signing_seed(self) -> bytes:
        return bytes.fromhex(self.secret("gov_signing_key", self.gov_signing_key))

    def keyring(self) -> PseudonymKeyring:
        spec = self.secret("pseudonym_keys", self.pseudonym_keys)
        return PseudonymKeyring.parse(spec if ":" in spec else f"1:{spec}")


__all__ = ["GovSettings"]
