"""``puhui demo``: the whole chain on one machine, end to end.

A small synthetic city → the government node ingests its deliveries and builds the indicators → both nodes run
as real processes on loopback (random free ports, each with its own ``PUHUI_HOME`` in a temporary folder unless
``--home``) → the bank loads its own data, replays its history through the government API as of each
application date, trains its models and promotes one → a batch of new applications is decided over HTTP, each
applicant verifying their identity and signing the consent at the government node (scripted here) → the
approval rate, the limit and rate distributions and the top reasons are printed.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import httpx
import numpy as np
import typer
from rich.table import Table

from puhui.bank.gov_client.applicant import ApplicantAgent
from puhui.bank.rules.definitions import load_ruleset
from puhui.cli._output import console, print_json
from puhui.cli._processes import ServiceProcess, admit_bank, bank_node, gov_node, puhui_command
from puhui.core.errors import PuhuiError


class DemoFailed(Exception):
    pass


def demo(
    persons: Annotated[int, typer.Option(help="residents of the synthetic city")] = 20_000,
    seed: Annotated[int, typer.Option(help="seed of the city and of the new applications")] = 7,
    applications: Annotated[int, typer.Option(min=1, max=5000, help="new applications to decide")] = 200,
    home: Annotated[Path | None, typer.Option(help="keep everything here (default: a temporary folder)")] = None,
    workers: Annotated[int, typer.Option(min=1, max=32, help="applications in flight")] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="print the results as JSON")] = False,
) -> None:
    """Run the whole chain — synthetic city, ingestion, indicators, both nodes, replayed history, training, a
    batch of decisions — and print what was decided. 端到端演示。"""
    root = home or Path(tempfile.mkdtemp(prefix="puhui-demo-"))
    root.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        results = _run(root, persons, seed, applications, workers, quiet=as_json)
    except (DemoFailed, PuhuiError) as err:
        console.print(f"[red]demo failed[/red]: {err}")
        raise typer.Exit(2) from None
    finally:
        if home is None:
            shutil.rmtree(root, ignore_errors=True)
    results["seconds"] = round(time.monotonic() - started, 1)
    if as_json:
        print_json(results)
    else:
        _print(results)


def _run(root: Path, persons: int, seed: int, count: int, workers: int, quiet: bool) -> dict[str, Any]:
    city, gov_home, bank_home = root / "city", root / "gov", root / "bank"
    token = secrets.token_hex(16)
    gov_env = {"PUHUI_HOME": str(gov_home), "PUHUI_PROFILE": "development"}
    steps: list[tuple[str, float]] = []

    def step(label: str, *arguments: str, env: dict[str, str] | None = None) -> str:
        began = time.monotonic()
        if not quiet:
            console.print(f"[bold]▶[/bold] {label}")
        output = _puhui(arguments, env or {})
        steps.append((label, time.monotonic() - began))
        return output

    step(
        "合成城市 synthetic city",
        "synth",
        "city",
        "--persons",
        str(persons),
        "--seed",
        str(seed),
        "--out",
        str(city),
        "--json",
    )
    as_of = json.loads((city / "deliveries" / "manifest.json").read_text(encoding="utf-8"))["as_of"]
    # The city delivers its whole history at once (a backfill). Stamped as received on the day it arrived, no
    # past as-of could see it; stamped as received before the history starts, a past as-of sees each record by
    # its event date — what a platform that had been running all along would have had.
    backfill = dt.date.fromisoformat(as_of).replace(day=1)
    received_at = backfill.replace(year=backfill.year - 6).isoformat() + "T00:00:00+08:00"
    step(
        "政务数据入湖 ingest the deliveries (history as a backfill)",
        "gov",
        "ingest",
        str(city / "deliveries"),
        "--received-at",
        received_at,
        "--json",
        env=gov_env,
    )
    step("脱敏指标 build the indicators", "gov", "indicators", "build", "--as-of", as_of, env=gov_env)
    with gov_node(gov_home, token) as gov:  # serves the lake: the snapshot was just built
        groups = [g["name"] for g in httpx.get(f"{gov.base_url}/v1/indicator-groups", timeout=10).json()]
        key_file = bank_home / "gov-key.pem"
        institution = admit_bank(gov.base_url, token, groups, key_file)
        bank_env = {
            "PUHUI_HOME": str(bank_home),
            "PUHUI_PROFILE": "development",
            "PUHUI_BANK_GOV_URL": gov.base_url,
            "PUHUI_BANK_INSTITUTION_ID": institution,
            "PUHUI_BANK_KEY_FILE": str(key_file),
            "PUHUI_BANK_INDICATOR_GROUPS": ",".join(groups),
        }
        step("银行自有数据 load the bank's own data", "bank", "load", str(city), "--json", env=bank_env)
        replayed = json.loads(
            step(
                "回放历史 replay history as of each application",
                "bank",
                "replay",
                "--script-applicants",
                "--json",
                env=bank_env,
            )
        )
        if replayed["replayed"] + replayed["already"] == 0:
            raise DemoFailed(f"no past application could be replayed: {'; '.join(replayed['errors'])}")
        trained = json.loads(step("训练模型 train and validate the models", "bank", "train", "--json", env=bank_env))
        champion = _best(trained["versions"])
        step(f"启用模型 promote {champion}", "bank", "models", "promote", champion, env=bank_env)
        began = time.monotonic()
        with bank_node(bank_home, gov.base_url, institution, key_file, groups) as bank:
            if not quiet:
                console.print(f"[bold]▶[/bold] 审批 deciding {count} new applications over HTTP")
            decided = _decide_batch(bank, gov, city, as_of, count, seed, workers)
        steps.append(("审批 decide the new applications", time.monotonic() - began))
    return {
        "root": str(root),
        "as_of": as_of,
        "replay": replayed,
        "training": {
            "rows": trained["rows"],
            "bads": trained["bads"],
            "versions": trained["versions"],
            "notes": trained["notes"],
        },
        "champion": champion,
        "decisions": _summarize(decided),
        "steps": [{"step": label, "seconds": round(seconds, 1)} for label, seconds in steps],
    }


def _puhui(arguments: tuple[str, ...], env: dict[str, str]) -> str:
    completed = subprocess.run(
        puhui_command(*arguments), env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        tail = (completed.stderr or completed.stdout)[-3000:]
        raise DemoFailed(f"puhui {' '.join(arguments[:3])} exited {completed.returncode}:\n{tail}")
    return completed.stdout


def _best(versions: list[dict[str, Any]]) -> str:
    """The version with the best out-of-time AUC (the demo's stand-in for a credit committee's choice)."""
    if not versions:
        raise DemoFailed("no model could be trained on the replayed history")
    return str(max(versions, key=lambda v: v["metrics"]["validation"].get("auc", 0.0))["version"])


def _new_applications(city: Path, as_of: str, count: int, seed: int) -> list[dict[str, Any]]:
    """New applications from the bank's customers: their usual product, an amount in the product's range."""
    with (city / "bank" / "customers.csv").open(encoding="utf-8") as handle:
        customers = list(csv.DictReader(handle))
    with (city / "bank" / "applications.csv").open(encoding="utf-8") as handle:
        usual = {row["id_number"]: row["product"] for row in csv.DictReader(handle)}
    ruleset = load_ruleset("pilot")
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(customers), size=min(count, len(customers)), replace=False)
    batch = []
    for number, index in enumerate(chosen):
        customer = customers[int(index)]
        product = usual.get(customer["id_number"]) or ("P-CONSUMER" if customer["kind"] == "person" else "E-MICRO")
        policy = ruleset.segments[ruleset.product(product).segment]
        median = float(policy.min_amount) * 8
        amount = float(np.clip(median * np.exp(rng.normal(0, 0.7)), float(policy.min_amount), float(policy.max_amount)))
        batch.append(
            {
                "application_id": f"DEMO-{number + 1:05d}",
                "subject_id": customer["id_number"],
                "name": customer["name"],
                "product": product,
                "amount": str(Decimal(round(amount, -3)).quantize(Decimal("0.01"))),
                "term_months": int(rng.choice([12, 24])),
                "applied_on": as_of,
            }
        )
    return batch


def _decide_batch(
    bank: ServiceProcess, gov: ServiceProcess, city: Path, as_of: str, count: int, seed: int, workers: int
) -> list[dict[str, Any]]:
    batch = _new_applications(city, as_of, count, seed)
    agent = ApplicantAgent(gov.base_url)
    client = httpx.Client(base_url=bank.base_url, timeout=30.0)

    def one(application: dict[str, Any]) -> dict[str, Any]:
        name = application.pop("name")
        began = time.perf_counter()
        submitted = client.post("/v1/applications", json=application)
        if submitted.status_code not in (200, 202):
            return {"error": submitted.text}
        state = submitted.json()
        if state["status"] == "awaiting_consent":
            agent.sign_consent(state["consent_id"], application["subject_id"], name)
            state = client.post(f"/v1/applications/{application['application_id']}/decision").json()
        return {**state, "product": application["product"], "seconds": time.perf_counter() - began}

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, batch))
    finally:
        agent.close()
        client.close()


def _summarize(decided: list[dict[str, Any]]) -> dict[str, Any]:
    decisions = [d["decision"] for d in decided if d.get("decision")]
    outcomes = Counter(d["outcome"] for d in decisions)
    approved = [d for d in decisions if d["outcome"] == "approve"]
    limits = np.array([float(d["limit"]) for d in approved]) if approved else np.array([])
    rates = np.array([float(d["annual_rate"]) * 100 for d in approved]) if approved else np.array([])
    reasons: Counter[tuple[str, str, str]] = Counter()
    for decision in decisions:
        for reason in decision["reasons"]:
            reasons[(reason["code"], reason["zh"], reason["en"])] += 1
    shadow_agrees = sum(1 for d in decisions if d.get("shadow") and d["shadow"]["outcome"] == d["outcome"])
    latencies = sorted(d["latency_ms"] for d in decisions if d.get("latency_ms") is not None)

    def quantiles(values: Any) -> dict[str, float] | None:
        if len(values) == 0:
            return None
        points = np.quantile(values, [0.0, 0.25, 0.5, 0.75, 1.0])
        return dict(zip(("min", "p25", "median", "p75", "max"), (round(float(p), 2) for p in points), strict=True))

    return {
        "applications": len(decided),
        "decided": len(decisions),
        "not_decided": len(decided) - len(decisions),
        "outcomes": dict(outcomes),
        "approval_rate": round(outcomes.get("approve", 0) / len(decisions), 4) if decisions else None,
        "limit_yuan": quantiles(limits),
        "annual_rate_percent": quantiles(rates),
        "top_reasons": [{"code": code, "zh": zh, "en": en, "count": n} for (code, zh, en), n in reasons.most_common(8)],
        "shadow_agreement": round(shadow_agrees / len(decisions), 4) if decisions else None,
        "decision_ms_p50": latencies[len(latencies) // 2] if latencies else None,
    }


def _print(results: dict[str, Any]) -> None:
    steps = Table(title=f"演示 demo — {results['seconds']} s in {results['root']}")
    steps.add_column("step")
    steps.add_column("seconds", justify="right")
    for row in results["steps"]:
        steps.add_row(row["step"], f"{row['seconds']:.1f}")
    console.print(steps)
    replay, training = results["replay"], results["training"]
    console.print(
        f"history: {replay['replayed'] + replay['already']} past loans replayed as of their dates "
        f"({replay['failed']} failed); training on {training['rows']} loans, {training['bads']} bad"
    )
    for error in replay["errors"]:
        console.print(f"  [yellow]{error}[/yellow]")
    for version in training["versions"]:
        figures = version["metrics"]["validation"]
        auc = figures.get("auc")
        console.print(
            f"  {version['version']}: out-of-time AUC {auc:.3f}, KS {figures.get('ks', 0):.3f}, PSI "
            f"{figures.get('psi', 0):.3f}"
            if auc is not None
            else f"  {version['version']}: no bads to validate on"
        )
    console.print(f"champion: [bold]{results['champion']}[/bold]")
    summary = results["decisions"]
    rate = summary["approval_rate"]
    console.print(
        f"\n[bold]{summary['decided']}[/bold] of {summary['applications']} applications decided — approval rate "
        f"[bold]{rate:.1%}[/bold]  {summary['outcomes']}"
        if rate is not None
        else "no application was decided"
    )
    table = Table(title="分布 distributions of approved offers")
    for column in ("", "min", "p25", "median", "p75", "max"):
        table.add_column(column, justify="right")
    for label, key in (("额度 limit (yuan)", "limit_yuan"), ("年利率 annual rate (%)", "annual_rate_percent")):
        values = summary[key]
        if values:
            table.add_row(label, *(f"{values[k]:,.2f}" for k in ("min", "p25", "median", "p75", "max")))
    console.print(table)
    reasons = Table(title="主要原因 top reasons (declines, referrals, reduced limits)")
    for column in ("code", "原因", "reason", "count"):
        reasons.add_column(column, overflow="fold")  # a narrow terminal wraps a reason code, never cuts it
    for reason in summary["top_reasons"]:
        reasons.add_row(reason["code"], reason["zh"], reason["en"], str(reason["count"]))
    console.print(reasons)
    console.print(f"champion/challenger agreement in shadow: {summary['shadow_agreement']}")


__all__ = ["demo"]
