"""The pilot bank's own data: its customers (a subset of the city), their monthly deposit balances, and its past
credit applications with the decision taken and, for approved loans, how they were repaid.

Applicants come more often from those who need money; the bank's past decisions used only what it knew (its own
deposits and the applicant's profile), so they are only partly aligned with the truth; defaults follow the
latent state after the loan starts (``LatentState.default_probability``). Layout: ``docs/delivery-format.md``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from puhui.synth.activity import _memo, sigmoid
from puhui.synth.city import City
from puhui.synth.economy import OrgKind, OrgStatus
from puhui.synth.population import Occupation
from puhui.synth.rand import stream
from puhui.synth.text import dates, decimals, integers, join, year_months, zero_padded

# (product code, name, subject kind, median amount, log spread, min, max, terms)
PRODUCTS: tuple[tuple[str, str, str, float, float, float, float, tuple[int, ...]], ...] = (
    ("P-CONSUMER", "普惠个人信用消费贷", "person", 50_000, 0.7, 10_000, 300_000, (12, 24, 36)),
    ("P-FARMER", "农户信用贷", "person", 60_000, 0.8, 3_000, 500_000, (12, 24, 36)),
    ("P-OPERATOR", "个体工商户经营贷", "person", 120_000, 0.7, 30_000, 500_000, (12, 24)),
    ("E-MICRO", "小微企业信用贷", "enterprise", 500_000, 0.8, 100_000, 3_000_000, (12, 24)),
    ("E-TAX", "税易贷", "enterprise", 800_000, 0.7, 100_000, 3_000_000, (12,)),
)
FRAGILE_PROPENSITY = 0.06


@dataclass
class LoanBook:
    """Applications (one row each) and, for approved ones, outcomes."""

    person: np.ndarray  # applicant person or -1
    org: np.ndarray  # applicant enterprise or -1
    month: np.ndarray  # index into the latent months
    applied: np.ndarray  # datetime64[D]
    product: np.ndarray  # index into PRODUCTS
    amount: np.ndarray  # yuan
    term: np.ndarray  # months
    rate: np.ndarray  # percent a year
    approved: np.ndarray  # bool
    observed: np.ndarray  # months of repayment observed by the as-of date
    defaulted_at: np.ndarray  # months after disbursement when 90 days past due was reached, -1 never
    max_dpd: np.ndarray  # worst days past due observed
    propensity: np.ndarray  # the applicant's latent default propensity (truth)

    @property
    def matured(self) -> np.ndarray:
        """Approved loans with a full 12 months of repayment observed."""
        return np.asarray(self.approved & (self.observed >= 12))

    @property
    def defaulted(self) -> np.ndarray:
        """12-month default of the matured loans."""
        return np.asarray((self.defaulted_at[self.matured] >= 0) & (self.defaulted_at[self.matured] < 12))

    @property
    def fragile(self) -> np.ndarray:
        return np.asarray(self.propensity[self.matured] >= FRAGILE_PROPENSITY)


def customers(city: City) -> tuple[np.ndarray, np.ndarray]:
    """The bank's customers: about a quarter of adults and a fifth of the market entities."""
    rng = stream(city.params.seed, "bank", "customers")
    p = city.persons
    adult = (p.age >= 20) & (p.age <= 70)
    person_p = 0.25 * np.where(p.migrant, 0.5, 1.1)
    people = np.flatnonzero(adult & (rng.random(p.n) < person_p))
    o = city.organisations
    market = np.isin(o.kind, (OrgKind.COMPANY, OrgKind.INDIVIDUAL_BUSINESS)) & (np.arange(o.n) > 0)
    firms = np.flatnonzero(market & (rng.random(o.n) < 0.2))
    return people, firms


def loan_outcomes(city: City) -> LoanBook:
    def build() -> LoanBook:
        rng = stream(city.params.seed, "bank", "loans")
        people, firms = customers(city)
        ps, os_ = city.person_state, city.organisation_state
        months = city.params.months
        first = ps.months - months  # applications over the delivered window
        p = city.persons
        o = city.organisations
        # credit demand rises with stress: about 12 % of customers a year apply (15 % of firms), more when squeezed
        person_rate = 0.12 / 12 * np.exp(0.35 * np.clip(ps.stress[people, first:], -3, 5))
        firm_rate = 0.15 / 12 * np.exp(0.35 * np.clip(os_.stress[firms, first:], -3, 5))
        pi, pm = np.nonzero(rng.random(person_rate.shape) < person_rate)
        fi, fm = np.nonzero(rng.random(firm_rate.shape) < firm_rate)
        person = np.concatenate([people[pi], np.full(len(fi), -1)])
        org = np.concatenate([np.full(len(pi), -1), firms[fi]])
        month = np.concatenate([pm, fm]) + first
        # firms that closed cannot apply after closing
        alive = (
            (org < 0)
            | (city.months[month] <= o.status_date[np.maximum(org, 0)].astype("datetime64[M]"))
            | (o.status[np.maximum(org, 0)] == OrgStatus.ACTIVE)
        )
        person, org, month = person[alive], org[alive], month[alive]
        n = len(month)
        is_person = person >= 0
        occupation = p.occupation[np.maximum(person, 0)]
        product = np.where(
            is_person,
            np.select([occupation == Occupation.FARMER, occupation == Occupation.SELF_EMPLOYED], [1, 2], 0),
            np.where(rng.random(n) < 0.35, 4, 3),
        )
        median = np.array([pr[3] for pr in PRODUCTS])[product]
        spread = np.array([pr[4] for pr in PRODUCTS])[product]
        low = np.array([pr[5] for pr in PRODUCTS])[product]
        high = np.array([pr[6] for pr in PRODUCTS])[product]
        capacity = np.where(is_person, ps.capacity[np.maximum(person, 0)], os_.capacity[np.maximum(org, 0)])
        amount = np.round(np.clip(median * np.exp(rng.normal(0.25 * capacity, spread)), low, high), -3)
        term = np.array([rng.choice(PRODUCTS[k][7]) for k in range(len(PRODUCTS))])[product]
        term = np.where(rng.random(n) < 0.5, term, 12)
        willingness = np.where(is_person, ps.willingness[np.maximum(person, 0)], os_.willingness[np.maximum(org, 0)])
        stress_now = np.where(is_person, ps.stress[np.maximum(person, 0), month], os_.stress[np.maximum(org, 0), month])
        # the bank's old judgement: its own view of the customer, partly right
        view = 0.7 * capacity + 0.35 * willingness - 0.3 * stress_now + rng.normal(0, 0.9, n)
        approved = rng.random(n) < sigmoid(1.0 + 1.2 * view)
        rate = np.round(3.45 + 1.2 * sigmoid(-view) * 3 + rng.uniform(-0.2, 0.2, n), 2)
        applied = city.months[month].astype("datetime64[D]") + rng.integers(0, 28, n).astype("timedelta64[D]")
        applied = np.minimum(applied, city.params.as_of_day)
        observed = (ps.months - 1 - month).astype(np.int64)
        pd = np.where(
            is_person,
            ps.default_probability(month, np.maximum(person, 0)),
            os_.default_probability(month, np.maximum(org, 0)),
        )
        defaults = approved & (rng.random(n) < pd)
        default_month = rng.integers(2, 12, n)
        seen = defaults & (default_month < observed)
        defaulted_at = np.where(seen, default_month, -1)
        minor = approved & ~seen & (rng.random(n) < 0.08 + 0.5 * pd)
        max_dpd = np.where(seen, np.minimum(90 + 30 * np.maximum(observed - default_month, 0), 720), 0)
        max_dpd = np.where(minor, rng.integers(1, 60, n), max_dpd)
        max_dpd = np.where(approved, max_dpd, 0)
        propensity = np.where(
            is_person, ps.default_propensity()[np.maximum(person, 0)], os_.default_propensity()[np.maximum(org, 0)]
        )
        return LoanBook(
            person,
            org,
            month,
            applied,
            product,
            amount,
            term,
            rate,
            approved,
            np.where(approved, observed, 0),
            defaulted_at,
            max_dpd.astype(np.int64),
            propensity,
        )

    return _memo(city, "bank.loans", build)


def write_bank(city: City, root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    rng = stream(city.params.seed, "bank", "files")
    people, firms = customers(city)
    p, o = city.persons, city.organisations
    ids = pa.concat_arrays([p.resident_id.take(pa.array(people)), o.credit_code.take(pa.array(firms))])
    names = pa.concat_arrays([p.name.take(pa.array(people)), o.name.take(pa.array(firms))])
    n = len(people) + len(firms)
    customer_no = join("C", zero_padded(np.arange(1, n + 1), 9))
    as_of = city.params.as_of_day
    # customers since before the window, so that every application comes from an existing customer
    opened = city.params.window_start - (rng.exponential(6, n).clip(0.05, 25) * 365.25).astype("timedelta64[D]")
    kind = pa.array(["person"] * len(people) + ["enterprise"] * len(firms))
    _write_csv(
        root / "customers.csv",
        {
            "customer_no": customer_no,
            "kind": kind,
            "id_number": ids,
            "name": names,
            "opened_date": dates(opened),
            "phone": pa.concat_arrays([p.phone.take(pa.array(people)), pa.nulls(len(firms), pa.string())]),
        },
    )
    # deposits: monthly average and month-end balances over the window
    months = city.params.months
    stress = np.vstack([city.person_state.window(months)[people], city.organisation_state.window(months)[firms]])
    income = np.concatenate([p.monthly_income[people] + 800, (o.employees[firms] + 1) * 9_000.0])
    level = (income * np.exp(rng.normal(0.6, 0.9, n)))[:, None] * np.exp(-0.25 * np.clip(stress, -3, 6))
    average = np.round(level * rng.uniform(0.85, 1.15, level.shape), 2)
    end = np.round(average * rng.uniform(0.7, 1.3, level.shape), 2)
    window = city.params.window
    deposits = pa.table(
        {
            "customer_no": customer_no.take(pa.array(np.repeat(np.arange(n), months))),
            "month": year_months(np.tile(window, n)),
            "average_balance": decimals(np.round(average.reshape(-1) * 100).astype(np.int64), 2),
            "month_end_balance": decimals(np.round(end.reshape(-1) * 100).astype(np.int64), 2),
        }
    )
    pq.write_table(
        deposits.replace_schema_metadata(None), root / "deposits.parquet", compression="zstd", store_schema=False
    )

    book = loan_outcomes(city)
    number_of_customer = np.full(p.n, -1, dtype=np.int64)
    number_of_customer[people] = np.arange(len(people))
    number_of_firm = np.full(o.n, -1, dtype=np.int64)
    number_of_firm[firms] = len(people) + np.arange(len(firms))
    row = np.where(
        book.person >= 0, number_of_customer[np.maximum(book.person, 0)], number_of_firm[np.maximum(book.org, 0)]
    )
    m = len(row)
    order = np.lexsort((row, book.applied))
    row = row[order]
    approved = book.approved[order]
    application_id = join("A", zero_padded(np.arange(1, m + 1), 9))
    loan_id = join("L", zero_padded(np.arange(1, m + 1), 9))
    disbursed = book.applied[order] + rng.integers(1, 6, m).astype("timedelta64[D]")
    disbursed = np.minimum(disbursed, as_of)
    observed = book.observed[order]
    defaulted_at = book.defaulted_at[order]
    matured = approved & (observed >= 12)
    default_12m = np.where(matured, np.where((defaulted_at >= 0) & (defaulted_at < 12), "1", "0"), "")
    status = np.select(
        [~approved, defaulted_at >= 0, observed >= book.term[order], book.max_dpd[order] > 0],
        ["", "defaulted", "repaid", "current"],
        "current",
    )
    products = [pr[0] for pr in PRODUCTS]
    product_names = [pr[1] for pr in PRODUCTS]
    _write_csv(
        root / "applications.csv",
        {
            "application_id": application_id,
            "customer_no": customer_no.take(pa.array(row)),
            "applicant_kind": kind.take(pa.array(row)),
            "id_number": ids.take(pa.array(row)),
            "applied_date": dates(book.applied[order]),
            "product": pa.array(products).take(pa.array(book.product[order])),
            "product_name": pa.array(product_names).take(pa.array(book.product[order])),
            "amount": decimals(np.round(book.amount[order] * 100).astype(np.int64), 2),
            "term_months": integers(book.term[order]),
            "decision": pa.array(np.where(approved, "approved", "declined").tolist()),
            "rate_percent": _blank_unless(approved, decimals(np.round(book.rate[order] * 100).astype(np.int64), 2)),
            "loan_id": _blank_unless(approved, loan_id),
            "disbursed_date": _blank_unless(approved, dates(disbursed)),
            "months_observed": _blank_unless(approved, integers(observed)),
            "max_days_past_due": _blank_unless(approved, integers(book.max_dpd[order])),
            "default_12m": pa.array(default_12m.tolist()),
            "status": pa.array(status.tolist()),
        },
    )


def _blank_unless(mask: np.ndarray, array: pa.Array) -> pa.Array:
    return pa.compute.if_else(pa.array(mask), array, "")


def _write_csv(path: Path, columns: dict[str, pa.Array]) -> None:
    import pyarrow.csv as pacsv

    buffer = io.BytesIO()
    pacsv.write_csv(pa.table(columns), buffer, pacsv.WriteOptions(quoting_style="needed"))
    path.write_bytes(buffer.getvalue())


__all__ = ["FRAGILE_PROPENSITY", "PRODUCTS", "LoanBook", "customers", "loan_outcomes", "write_bank"]
