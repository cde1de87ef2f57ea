"""Settings of the bank node: its database, the government node it talks to, its credentials and its policy.

Every value is a ``PUHUI_`` environment variable (``BankSettings(PuhuiSettings)``). The institution's private
key (issued when the government node admitted the bank) is a secret: a PEM file named by
``PUHUI_BANK_KEY_FILE`` or the PEM text itself in ``PUHUI_BANK_PRIVATE_KEY``; the bank never generates one.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from puhui.bank.gov_client.model import ConsentTerms
from puhui.config import PuhuiSettings
from puhui.core.errors import ValidationError


class BankSettings(PuhuiSettings):
    bank_database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite under PUHUI_HOME/bank/state.db"
    )
    bank_host: str = "127.0.0.1"
    bank_port: int = 8800
    bank_gov_url: str = Field(default="http://127.0.0.1:8700", description="base URL of the government node")
    bank_institution_id: str | None = Field(default=None, description="the id the government node admitted us as")
    bank_key_file: Path | None = Field(default=None, description="PEM file of our Ed25519 private key")
    bank_private_key: str | None = Field(default=None, description="PEM text of our private key (instead of a file)")
    bank_gov_public_key: str | None = Field(
        default=None, description="the government node's public key (base64) to check consent artefacts with"
    )
    bank_gov_timeout_seconds: float = Field(default=2.0, gt=0)
    bank_gov_retries: int = Field(default=2, ge=0, le=5, description="retries of a failed gov call")
    bank_ruleset: str = Field(default="pilot@1", description="the champion rule set, id@version")
    bank_challenger_ruleset: str | None = Field(
        default="pilot@2", description="a rule set run in shadow beside the champion; empty for none"
    )
    bank_indicator_groups: str | None = Field(
        default=None, description="comma-separated indicator groups a consent asks for; default: every group"
    )
    bank_consent_lookback_months: int = Field(default=60, ge=1, le=60, description="lookback an application asks")
    bank_consent_data_life_days: int = Field(
        default=365, ge=1, description="how long the bank keeps the indicators an application received"
    )

    def consent_terms(self) -> ConsentTerms:
        """The terms of an application's consent: one read, for the loan application purpose."""
        return ConsentTerms(
            purpose="loan_application",
            lookback_months=self.bank_consent_lookback_months,
            data_life_days=self.bank_consent_data_life_days,
        )

    @property
    def bank_home(self) -> Path:
        return self.home / "bank"

    @property
    def database_url(self) -> str:
        if self.bank_database_url:
            return self.bank_database_url
        return f"sqlite:///{self.bank_home / 'state.db'}"

    @property
    def models_dir(self) -> Path:
        return self.bank_home / "models"

    def private_key_pem(self) -> str:
        if self.bank_private_key:
            return self.bank_private_key
        if self.bank_key_file is not None:
            try:
                return self.bank_key_file.read_text()
            except OSError as err:
                raise ValidationError(f"cannot read the bank's key file {self.bank_key_file}: {err}") from None
        raise ValidationError(
            "the bank has no credentials for the government node: set PUHUI_BANK_INSTITUTION_ID and "
            "PUHUI_BANK_KEY_FILE (issued when the government node admitted the bank)"
        )


__all__ = ["BankSettings"]
