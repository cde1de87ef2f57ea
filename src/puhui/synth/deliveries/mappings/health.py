"""The health commission's registers that follow families: the whole-population register, parents and their
children, and birth certificates — from the population's households and parent links."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from puhui.core.catalog import DatasetSpec
from puhui.synth.deliveries.context import DeliveryContext
from puhui.synth.deliveries.mappings import mapping
from puhui.synth.deliveries.mappings._shared import code_where
from puhui.synth.deliveries.rows import Rows, make_rows
from puhui.synth.text import integers, join, pick, zero_padded

HOSPITALS = ("新余市人民医院", "新余市妇幼保健院", "分宜县人民医院", "新余市中医院")


def _children_of(ctx: DeliveryContext) -> tuple[np.ndarray, np.ndarray]:
    """(parent, child) pairs for every known parent link."""
    p = ctx.persons
    child = np.concatenate([np.flatnonzero(p.mother >= 0), np.flatnonzero(p.father >= 0)])
    parent = np.concatenate([p.mother[p.mother >= 0], p.father[p.father >= 0]])
    return parent, child


@mapping("health.population_register")
def population_register(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    p = ctx.persons
    rng = ctx.rng(spec.id)
    person = np.arange(p.n)
    parent, _ = _children_of(ctx)
    children = np.bincount(parent, minlength=p.n)
    updated = ctx.as_of - rng.integers(0, 400, p.n).astype("timedelta64[D]")
    updated = np.maximum(updated, p.birth)
    return make_rows(
        person=person,
        when=updated,
        resident_id=p.resident_id,
        name=p.name,
        sex=pick(["1", "2"], np.where(p.male, 0, 1)),
        birth_date=p.birth,
        home_district=integers(p.region),
        current_address=p.address,
        children_count=children.astype(float),
        status=code_where(spec, "status", np.zeros(p.n, dtype=int), ["正常"]),
        updated_date=updated,
    )


@mapping("health.children")
def children(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    p = ctx.persons
    rng = ctx.rng(spec.id)
    parent, child = _children_of(ctx)
    minor = p.age[child] < 25
    parent, child = parent[minor], child[minor]
    # birth order: rank of the child among the same mother's children by birth date
    mother = p.mother[child]
    order = np.lexsort((p.birth[child], mother))
    rank = np.empty(len(child), dtype=np.int64)
    sorted_mother = mother[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_mother)) + 1]
    lengths = np.diff(np.r_[starts, len(child)])
    rank[order] = np.arange(len(child)) - np.repeat(starts, lengths) + 1
    siblings = np.bincount(np.searchsorted(np.unique(mother), mother), minlength=len(np.unique(mother)))[
        np.searchsorted(np.unique(mother), mother)
    ]
    return make_rows(
        person=parent,
        when=p.birth[child],
        resident_id=ctx.person_ids(parent),
        parent_name=ctx.person_names(parent),
        child_id=ctx.person_ids(child),
        child_name=ctx.person_names(child),
        child_sex=pick(["1", "2"], np.where(p.male[child], 0, 1)),
        child_birth_date=p.birth[child],
        birth_order=rank.astype(float),
        only_child_certificate=pa.array((siblings == 1) & (rng.random(len(child)) < 0.4)),
    )


@mapping("health.birth_certificates")
def birth_certificates(ctx: DeliveryContext, spec: DatasetSpec) -> Rows:
    p = ctx.persons
    rng = ctx.rng(spec.id)
    child = np.flatnonzero((p.mother >= 0) & (p.birth >= ctx.params.window_start))
    mother, father = p.mother[child], p.father[child]
    n = len(child)
    return make_rows(
        person=mother,
        when=p.birth[child],
        resident_id=ctx.person_ids(mother),
        mother_name=ctx.person_names(mother),
        father_id=ctx.person_ids(father),
        father_name=ctx.person_names(father),
        newborn_name=ctx.person_names(child),
        newborn_sex=code_where(spec, "newborn_sex", np.where(p.male[child], 0, 1), ["1", "2", "9"]),
        birth_date=p.birth[child],
        gestation_weeks=np.clip(np.round(rng.normal(39, 1.5, n)), 30, 42),
        birth_weight_g=np.clip(np.round(rng.normal(3250, 420, n)), 1500, 5000),
        newborn_health=pick(["良好", "一般"], (rng.random(n) < 0.05).astype(int)),
        birthplace=pick(list(HOSPITALS), rng.integers(0, len(HOSPITALS), n)),
        certificate_no=join("R36", zero_padded(np.arange(n) + 1, 9)),
    )
