"""Bilingual text: every name a person reads comes in Chinese first and English too."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator


class Text(BaseModel):
    """A text in zh-CN and en."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    zh: str
    en: str

    @field_validator("zh", "en")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must not be blank")
        return value.strip()

    def get(self, lang: str) -> str:
        return self.en if lang.lower().startswith("en") else self.zh


__all__ = ["Text"]
