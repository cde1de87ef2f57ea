"""Education: teachers (public employees of the schools) and students with their guardians."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from puhui.core.catalog import DatasetSpec
from puhui.synth.deliveries.context import DeliveryContext
from puhui.synth.deliveries.mappings import mapping
from puhui.synth.deliveries.mappings._shared import code_where, null_unless
from puhui.synth.deliveries.rows import Rows, make_rows
from puhui.synth.population import DAYS_PER_YEAR, Occupation
from puhui.synth.text import join, pick, zero_padded

SCHOOL_WORDS = ("学校", "中学", "学院")
GRADES = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三", "高一", "高二", "高三")


def _schools(ctx: DeliveryContext) -> np.ndarray:
    names = ctx.orgs.name.to_pylist()
    return np.array(
        [i for i, name in enumerate(names) if ctx.orgs.kind[i] == 3 and any(w in name for w in SCHOOL_WORDS)]
    )


@mapping("education.teachers")
def teachers(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    rng = ctx.rng(spec.id)
    schools = _schools(ctx)
    employer = ctx.city.employment.employer
    person = np.flatnonzero(np.isin(employer, schools) & (ctx.persons.occupation == Occupation.PUBLIC))
    n = len(person)
    school = employer[person]
    hired = np.maximum(
        ctx.persons.birth[person] + (rng.uniform(21, 26, n) * DAYS_PER_YEAR).astype("timedelta64[D]"),
        ctx.city.employment.hired_on[person] - np.timedelta64(3650, "D"),
    )
    hired = np.minimum(hired, ctx.as_of)
    title = np.clip((ctx.persons.age[person] - 22) // 8, 0, 4)
    level = np.where(
        np.char.find(ctx.org_names(school).to_numpy(zero_copy_only=False).astype(str), "中学") >= 0,
        3,
        rng.choice([1, 2], n),
    )
    return make_rows(
        person=person,
        when=hired,
        resident_id=ctx.person_ids(person),
        name=ctx.person_names(person),
        school=ctx.org_names(school),
        school_credit_code=ctx.org_codes(school),
        level=code_where(spec, "level", level, ["幼儿园", "小学", "初中", "高中", "中职"]),
        certificate_no=join("2015", zero_padded(np.arange(n) + 36050000000, 13)),
        title=code_where(spec, "title", 4 - title, ["正高级教师", "高级教师", "一级教师", "二级教师", "三级教师"]),
        establishment=code_where(spec, "establishment", (rng.random(n) < 0.1).astype(int), ["在编", "非在编"]),
        hired_date=hired,
        status=code_where(spec, "status", np.zeros(n, dtype=int), ["在岗"]),
    )


@mapping("education.students")
def students(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    p = ctx.persons
    rng = ctx.rng(spec.id)
    person = np.flatnonzero((p.occupation == Occupation.STUDENT) & (p.age <= 18))
    n = len(person)
    age = p.age[person]
    grade = np.clip(age - 6, 0, len(GRADES) - 1)
    school_kind = np.select([grade < 6, grade < 9], [0, 1], 2)
    district = pick(["渝水区", "分宜县"], (ctx.districts(person, np.full(n, -1)) == 360521).astype(int))
    school = join(
        district,
        pick(["第一", "第二", "第三", "第五", "实验"], rng.integers(0, 5, n)),
        pick(["小学", "中学", "中学"], school_kind),
    )
    enrolled = p.birth[person] + ((6 + np.select([grade < 6, grade < 9], [0, 6], 9)) * DAYS_PER_YEAR).astype(
        "timedelta64[D]"
    )
    enrolled = np.minimum(
        enrolled.astype("datetime64[Y]").astype("datetime64[D]") + np.timedelta64(243, "D"), ctx.as_of
    )
    guardian = np.where(p.mother[person] >= 0, p.mother[person], p.father[person])
    return make_rows(
        person=person,
        when=enrolled,
        resident_id=ctx.person_ids(person),
        name=ctx.person_names(person),
        student_no=join("G", ctx.person_ids(person)),
        birth_date=p.birth[person],
        school=school,
        grade=pick(list(GRADES), grade),
        enrolled_date=enrolled,
        guardian_name=null_unless(guardian >= 0, ctx.person_names(np.maximum(guardian, 0))),
        guardian_id=null_unless(guardian >= 0, ctx.person_ids(np.maximum(guardian, 0))),
        home_address=p.address.take(pa.array(person)),
    )
