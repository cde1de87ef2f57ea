"""The 20 k-person city of the acceptance tests, generated once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from puhui.synth.generate import CityOutput, generate_city
from puhui.synth.params import CityParams


@pytest.fixture(scope="session")
def city20k(tmp_path_factory: pytest.TempPathFactory) -> CityOutput:
    return generate_city(CityParams(persons=20_000, seed=7), tmp_path_factory.mktemp("city20k"))


@pytest.fixture(scope="session")
def city20k_report(city20k: CityOutput):  # type: ignore[no-untyped-def]
    from puhui.core.catalog import load_catalog
    from tests.integration.synth.delivery_checker import check_delivery

    return check_delivery(Path(city20k.root), load_catalog())
