"""``puhui demo`` end to end on a small city: both nodes as processes, history replayed, models trained, a batch
of new applications decided over HTTP, and the summary it prints."""

from __future__ import annotations

import json
import subprocess

import pytest

from puhui.cli._processes import puhui_command


@pytest.mark.slow
@pytest.mark.timeout(1200)  # a city, its ingestion and a replay of its history: minutes on a shared 2-core machine
def test_the_demo_runs_the_whole_chain_on_a_small_city(tmp_path):
    completed = subprocess.run(
        puhui_command("demo", "--persons", "2000", "--applications", "12", "--home", str(tmp_path), "--json"),
        capture_output=True,
        text=True,
        timeout=1100,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    results = json.loads(completed.stdout)

    steps = [s["step"] for s in results["steps"]]
    assert len(steps) == 8 and all(s["seconds"] >= 0 for s in results["steps"])
    assert results["replay"]["replayed"] > 0 and results["replay"]["failed"] == 0
    assert 0 < results["training"]["rows"] <= results["replay"]["replayed"]
    assert results["champion"] in {v["version"] for v in results["training"]["versions"]}
    decisions = results["decisions"]
    assert decisions["applications"] == decisions["decided"] == 12
    assert sum(decisions["outcomes"].values()) == 12 and 0 <= decisions["approval_rate"] <= 1
    if decisions["outcomes"].get("approve"):
        limits, rates = decisions["limit_yuan"], decisions["annual_rate_percent"]
        assert 0 < limits["min"] <= limits["median"] <= limits["max"]
        assert 0 < rates["min"] <= rates["median"] <= rates["max"] < 20
    for reason in decisions["top_reasons"]:
        assert reason["code"] and reason["zh"] and reason["en"] and reason["count"] > 0
