"""The finance bureau: the public payroll (monthly pay of public employees) and per-capita farm subsidies."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from puhui.core.catalog import DatasetSpec
from puhui.synth.deliveries.context import DeliveryContext
from puhui.synth.deliveries.mappings import mapping
from puhui.synth.deliveries.mappings._shared import code_where, day_of_year, month_start
from puhui.synth.deliveries.rows import Rows, make_rows
from puhui.synth.population import Occupation
from puhui.synth.text import join, zero_padded

SOIL_SUBSIDY_PER_MU = 105.0  # 耕地地力保护补贴, yuan per mu a year [assumption, Jiangxi level]


@mapping("finance.payroll")
def payroll(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    p = ctx.persons
    rng = ctx.rng(spec.id)
    staff = np.flatnonzero(p.occupation == Occupation.PUBLIC)
    window = ctx.window
    months = len(window)
    person = np.repeat(staff, months)
    month = np.tile(np.arange(months), len(staff))
    employer = ctx.city.employment.employer[person]
    gross = np.round(p.monthly_income[person] * np.where((window[month].astype(np.int64) % 12) == 11, 1.6, 1.0), 2)
    deductions = np.round(gross * 0.22, 2)
    taxable = np.maximum(gross - deductions - 5000, 0)
    tax = np.round(np.where(taxable > 3000, taxable * 0.1 - 210, taxable * 0.03), 2)
    kind = np.where(
        ctx.orgs.entity_class[employer] == "11",
        rng.choice([0, 1], len(person), p=[0.8, 0.2]),
        rng.choice([2, 3], len(person), p=[0.85, 0.15]),
    )
    kind = np.repeat(kind[::months], months)
    paid = month_start(window[month]) + np.timedelta64(14, "D")
    return make_rows(
        person=person,
        when=month_start(window[month]),
        resident_id=ctx.person_ids(person),
        name=ctx.person_names(person),
        employer_name=ctx.org_names(employer),
        employer_credit_code=ctx.org_codes(employer),
        staff_kind=code_where(
            spec, "staff_kind", kind, ["公务员", "参照公务员法管理人员", "事业编制人员", "编外聘用人员"]
        ),
        pay_month=window[month],
        gross_pay=gross,
        social_deductions=deductions,
        income_tax_withheld=tax,
        net_pay=np.round(gross - deductions - tax, 2),
        paid_date=np.minimum(paid, ctx.as_of),
    )


@mapping("finance.subsidies")
def subsidies(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    """The yearly soil-fertility subsidy to every contracting farm household, by contracted area."""
    farms = ctx.city.assets.farms
    rng = ctx.rng(spec.id)
    years = sorted({int(str(m)[:4]) for m in ctx.window})
    holder = np.tile(farms.holder, len(years))
    area = np.tile(farms.land_mu, len(years))
    year = np.repeat(np.array(years), len(farms.holder))
    paid = day_of_year(year, 5, 10) + rng.integers(0, 40, len(holder)).astype("timedelta64[D]")
    keep = (paid <= ctx.as_of) & (paid >= ctx.params.window_start)
    holder, area, year, paid = holder[keep], area[keep], year[keep], paid[keep]
    n = len(holder)
    return make_rows(
        person=holder,
        when=paid,
        resident_id=ctx.person_ids(holder),
        name=ctx.person_names(holder),
        subsidy_item=code_where(spec, "subsidy_item", np.zeros(n, dtype=int), ["耕地地力保护补贴"]),
        subsidy_year=year.astype(float),
        quantity=area,
        amount=np.round(area * SOIL_SUBSIDY_PER_MU, 2),
        paid_date=paid,
        account_no=join("6230", zero_padded(holder, 12)),
        township=ctx.township_names(holder, np.full(n, -1)),
        department=pa.array(["新余市农业农村局"] * n),
    )
