"""The authorization letter: rendered from versioned templates in zh-CN and en, hashed, with separate clauses.

A letter is the main text plus one separate clause for sensitive groups (PIPL art. 29) and one for income,
property and tax data with the adverse-consequence warning (征信业管理条例 §14), each present only when a
requested group needs it. The applicant must accept every clause the letter carries; the consent records the
letter's version, language and SM3 hash, and the exact text is kept with it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import string
from collections.abc import Sequence
from functools import cache
from importlib import resources

from puhui.core.errors import DefinitionError, ValidationError
from puhui.core.signing import DigestAlgorithm, hex_digest
from puhui.gov.consent.model import ConsentTerms, FetchType, FrequencyUnit, Letter
from puhui.gov.consent.purposes import Purpose
from puhui.gov.queries.reader import GroupInfo

TEMPLATE_PACKAGE = "puhui.gov.consent.letters"
LANGUAGES = ("zh-CN", "en")
CLAUSE_MAIN = "main"
CLAUSE_SENSITIVE = "sensitive"
CLAUSE_INCOME_OR_PROPERTY = "income_or_property"
CLAUSES = (CLAUSE_MAIN, CLAUSE_SENSITIVE, CLAUSE_INCOME_OR_PROPERTY)
_TEMPLATE_NAME = re.compile(r"^v(?P<version>\d+)\.(?P<language>[A-Za-z-]+)\.(?P<clause>[a-z_]+)\.txt$")


@dataclasses.dataclass(frozen=True, slots=True)
class LetterFacts:
    consent_id: str
    masked_subject: str
    institution_name: str
    institution_credit_code: str
    purpose: Purpose
    groups: Sequence[GroupInfo]
    terms: ConsentTerms
    date: dt.date


def required_clauses(groups: Sequence[GroupInfo]) -> tuple[str, ...]:
    clauses = [CLAUSE_MAIN]
    if any(g.sensitive for g in groups):
        clauses.append(CLAUSE_SENSITIVE)
    if any(g.income_or_property for g in groups):
        clauses.append(CLAUSE_INCOME_OR_PROPERTY)
    return tuple(clauses)


@cache
def _templates() -> dict[tuple[str, str, str], str]:
    found: dict[tuple[str, str, str], str] = {}
    for item in resources.files(TEMPLATE_PACKAGE).iterdir():
        match = _TEMPLATE_NAME.match(item.name)
        if match:
            found[(match["version"], match["language"], match["clause"])] = item.read_text(encoding="utf-8")
    for version in {v for v, _, _ in found}:
        for language in LANGUAGES:
            for clause in CLAUSES:
                if (version, language, clause) not in found:
                    raise DefinitionError(f"letter v{version} lacks its {language} {clause} clause")
    return found


def latest_version() -> str:
    return str(max(int(version) for version, _, _ in _templates()))


def letter_hash(text: str) -> str:
    return hex_digest(text.encode(), DigestAlgorithm.SM3)


def _fetch_text(terms: ConsentTerms, zh: bool) -> str:
    frequency = terms.frequency
    if terms.fetch_type is FetchType.ONE_TIME:
        return f"一次性查询，最多 {frequency.count} 次" if zh else f"one-time, at most {frequency.count} query"
    unit_zh = {FrequencyUnit.DAY: "每日", FrequencyUnit.MONTH: "每月", FrequencyUnit.YEAR: "每年"}
    if zh:
        return f"定期查询，{unit_zh[frequency.unit]}最多 {frequency.count} 次"
    return f"periodic, at most {frequency.count} per {frequency.unit.value}"


def _validity_text(terms: ConsentTerms, zh: bool) -> str:
    if terms.loan_maturity is not None:
        if zh:
            return f"自本人签署之日起 {terms.validity_days} 天，且不超过贷款到期日 {terms.loan_maturity.isoformat()}"
        return f"{terms.validity_days} days from signature, and never past the loan's maturity on {terms.loan_maturity}"
    return f"自本人签署之日起 {terms.validity_days} 天" if zh else f"{terms.validity_days} days from signature"


def _group_lines(groups: Sequence[GroupInfo], language: str) -> str:
    en = language == "en"
    lines = []
    for group in groups:
        categories = ("; " if en else "、").join(c.get(language) for c in group.categories)
        detail = "" if not categories else (f" ({categories})" if en else f"（{categories}）")
        lines.append(f"- {group.label.get(language)}{detail}")
    return "\n".join(lines)


def _group_names(groups: Sequence[GroupInfo], language: str) -> str:
    return ("、" if language != "en" else ", ").join(g.label.get(language) for g in groups)


def render_letter(facts: LetterFacts, language: str = "zh-CN", version: str | None = None) -> Letter:
    """The exact text the applicant reads and signs, with the clauses they must accept."""
    if language not in LANGUAGES:
        raise ValidationError(f"letters are written in {', '.join(LANGUAGES)}", code="unknown_language")
    version = version or latest_version()
    templates = _templates()
    if (version, language, CLAUSE_MAIN) not in templates:
        raise ValidationError(f"no letter version {version}", code="unknown_letter_version")
    zh = language != "en"
    values = {
        "version": version,
        "consent_id": facts.consent_id,
        "subject": facts.masked_subject,
        "institution": facts.institution_name,
        "institution_code": facts.institution_credit_code,
        "purpose": facts.purpose.name.get(language),
        "purpose_description": facts.purpose.description.get(language),
        "groups": _group_lines(facts.groups, language),
        "lookback_months": str(facts.terms.lookback_months),
        "fetch": _fetch_text(facts.terms, zh),
        "validity": _validity_text(facts.terms, zh),
        "data_life_days": str(facts.terms.data_life_days),
        "date": facts.date.isoformat(),
    }
    clauses = required_clauses(facts.groups)
    parts = [string.Template(templates[(version, language, CLAUSE_MAIN)]).substitute(values).rstrip()]
    for clause, wanted in (
        (CLAUSE_SENSITIVE, [g for g in facts.groups if g.sensitive]),
        (CLAUSE_INCOME_OR_PROPERTY, [g for g in facts.groups if g.income_or_property]),
    ):
        if wanted:
            template = string.Template(templates[(version, language, clause)])
            parts.append(template.substitute(values | {"groups": _group_names(wanted, language)}).rstrip())
    text = "\n\n".join(parts) + "\n"
    return Letter(version=version, language=language, text=text, hash=letter_hash(text), clauses=clauses)


__all__ = [
    "CLAUSES",
    "CLAUSE_INCOME_OR_PROPERTY",
    "CLAUSE_MAIN",
    "CLAUSE_SENSITIVE",
    "LANGUAGES",
    "LetterFacts",
    "latest_version",
    "letter_hash",
    "render_letter",
    "required_clauses",
]
