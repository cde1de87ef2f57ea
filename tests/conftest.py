"""Fixtures shared by the whole suite.

Spark: ONE session for the whole test run (starting a JVM costs seconds). Spark tests carry the ``spark`` marker
and the ``xdist_group("spark")`` mark so that ``pytest -n 2`` keeps them on one worker; they skip when PySpark
or Java is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark_engine() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs a Java runtime")
    from puhui.engines.spark_engine import SparkConfig, SparkEngine

    # Small data: whole-stage code generation and adaptive planning cost more than they save.
    small = {"spark.sql.codegen.wholeStage": "false", "spark.sql.adaptive.enabled": "false"}
    engine = SparkEngine(SparkConfig(master="local[2]", shuffle_partitions=2, driver_memory="2g", options=small))
    yield engine
    engine._session.stop()
