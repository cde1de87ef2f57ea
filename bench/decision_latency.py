"""End-to-end decision latency on loopback: both nodes on this machine, an open-loop load at a fixed rate.

    python3 bench/decision_latency.py [--rate 200] [--seconds 60] [--bank-workers 1] [--gov-workers 1]

Set-up (not timed): ``puhui gov serve`` with an in-memory indicator reader that knows a few applicants
(``tests.support.bank_acceptance``), the bank admitted, a LightGBM champion registered, ``puhui bank serve``
started; then ``rate × seconds`` applications are submitted to the bank (each opens a consent at the government
node) and every applicant signs their consent at the government node, over HTTP.

Timed: one ``POST /v1/applications/{id}/decision`` per application, sent on an open-loop schedule (request i
leaves at start + i / rate, whatever the answers before it): the bank queries the government node's indicators
under the consent (signed request, consent check, use counter, audit chain), joins its own data, evaluates the
champion and challenger rule sets, scores with the model, prices with a schedule, stores the decision record and
answers. Latency is measured from the scheduled send time, so a server that falls behind shows it. The sender is
one asyncio loop on keep-alive connections (``open_loop``), so that the load generator takes little of the two
cores the nodes share.

Baseline in the same run: ``GET /health`` of the bank at the same rate (the HTTP stack and the process alone).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout, for its test support code
from bench.gov_query import process_tree_cpu_seconds
from tests.support.bank_acceptance import GROUPS, register_champion, resident_id

from puhui.bank.gov_client.applicant import ApplicantAgent
from puhui.cli._processes import admit_bank, bank_node, gov_node


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def prepare(bank_url: str, gov_url: str, count: int, concurrency: int) -> list[str]:
    """Submit ``count`` applications and have every applicant sign their consent; the application ids."""
    agent = ApplicantAgent(gov_url, timeout_seconds=30)
    client = httpx.Client(base_url=bank_url, timeout=30, limits=httpx.Limits(max_connections=concurrency))

    def one(number: int) -> str:
        subject = resident_id(number % 900 + 100, born=f"19{70 + number % 25}0101")
        application_id = f"BENCH-{number:06d}"
        body = {
            "application_id": application_id,
            "subject_id": subject,
            "product": "P-CONSUMER",
            "amount": str(10_000 + 1_000 * (number % 90)),
            "term_months": 12,
        }
        for _attempt in range(20):  # a loaded node may not open the consent at once: the application waits
            answer = client.post("/v1/applications", json=body)
            answer.raise_for_status()
            if answer.json()["consent_id"]:
                agent.sign_consent(answer.json()["consent_id"], subject, "张三")
                return application_id
            time.sleep(0.5)
        raise RuntimeError(f"no consent could be opened for {application_id}")

    with ThreadPoolExecutor(concurrency) as pool:
        ids = list(pool.map(one, range(count)))
    agent.close()
    client.close()
    return ids


KEEP_ALIVE_SECONDS = 4.0  # uvicorn closes a connection idle for 5 s: never send on one idle that long


class _Connection:
    """One keep-alive HTTP/1.1 connection: a request out, its answer read back by its Content-Length."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.used = asyncio.get_running_loop().time()

    async def exchange(self, request: bytes) -> int:
        self.used = asyncio.get_running_loop().time()
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        if length:
            await self.reader.readexactly(length)
        return status


async def _open_loop(
    host: str, port: int, requests: list[bytes], rate: float, max_connections: int
) -> tuple[list[float], list[int]]:
    """Send request i at start + i / rate on an idle keep-alive connection (a new one when none is idle)."""
    latencies = [0.0] * len(requests)
    statuses = [0] * len(requests)
    idle: list[_Connection] = []
    opened = 0
    free = asyncio.Condition()
    loop = asyncio.get_running_loop()

    async def connection() -> _Connection:
        nonlocal opened
        async with free:
            while idle and loop.time() - idle[-1].used > KEEP_ALIVE_SECONDS:
                idle.pop().writer.close()
                opened -= 1
            while not idle and opened >= max_connections:
                await free.wait()
            if idle:
                return idle.pop()
            opened += 1
        return _Connection(*await asyncio.open_connection(host, port))

    async def send(index: int, scheduled: float) -> None:
        nonlocal opened
        link = await connection()
        broken = False
        try:
            statuses[index] = await link.exchange(requests[index])
        except (OSError, asyncio.IncompleteReadError, ValueError):
            statuses[index] = 0
            broken = True
            link.writer.close()
        latencies[index] = time.perf_counter() - scheduled
        async with free:
            if broken:
                opened -= 1
            else:
                idle.append(link)
            free.notify()

    start = time.perf_counter() + 0.5  # perf_counter: uvloop's loop.time() ticks in whole milliseconds
    tasks = []
    for index in range(len(requests)):
        scheduled = start + index / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(index, scheduled)))
    await asyncio.gather(*tasks)
    for link in idle:
        link.writer.close()
    return latencies, statuses


def open_loop(base_url: str, paths: list[tuple[str, str]], rate: float, max_connections: int = 256) -> dict[str, Any]:
    """Send ``paths`` ((method, path)) at ``rate`` per second, open loop; latencies from each scheduled time.

    The sender is one asyncio loop writing pre-built HTTP/1.1 requests on keep-alive connections (a new one only
    when every open one is busy): on a 2-core machine a Python client thread per connection would take the CPU
    the servers under test need. A request that cannot leave on time (no connection free) counts its wait."""
    url = httpx.URL(base_url)
    host, port = url.host, url.port or 80
    requests = [
        f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: 0\r\n\r\n".encode()
        for method, path in paths
    ]
    try:
        import uvloop  # the servers' own event loop; the standard one works too, with more CPU

        runner: Any = uvloop.run
    except ImportError:
        runner = asyncio.run
    latencies, statuses = runner(_open_loop(host, port, requests, rate, max_connections))
    elapsed = max(i / rate + latency for i, latency in enumerate(latencies))
    counts: dict[int, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return {
        "requests": len(paths),
        "seconds": round(elapsed, 2),
        "throughput_per_s": round(len(paths) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1),
        "statuses": counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="decisions per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the timed run")
    # One worker per node: on the 2 cores both nodes and the sender share, a second worker per node cost more CPU
    # per decision (and two SQLite writers in one file wait in its busy handler) than it gave (docs/benchmarks.md).
    parser.add_argument("--bank-workers", type=int, default=1, help="uvicorn workers of the bank")
    parser.add_argument("--gov-workers", type=int, default=1, help="uvicorn workers of the government node")
    parser.add_argument("--prepare-concurrency", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    arguments = parser.parse_args()
    count = int(arguments.rate * arguments.seconds)
    repo = str(Path(__file__).resolve().parents[1])

    with tempfile.TemporaryDirectory(prefix="puhui-bench-") as folder:
        root = Path(folder)
        token = secrets.token_hex(16)
        python_path = os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")]))
        reader = {
            "PUHUI_GOV_INDICATOR_READER": "tests.support.bank_acceptance:indicator_reader",
            "PYTHONPATH": python_path,
        }
        gov = gov_node(root / "gov", token, reader)
        gov.arguments += ["--workers", str(arguments.gov_workers)]
        with gov:
            key_file = root / "bank" / "gov-key.pem"
            institution = admit_bank(gov.base_url, token, GROUPS, key_file)
            model = register_champion(root / "bank", f"sqlite:///{root / 'bank' / 'bank' / 'state.db'}")
            bank = bank_node(root / "bank", gov.base_url, institution, key_file, GROUPS, workers=arguments.bank_workers)
            with bank:
                began = time.perf_counter()
                ids = prepare(bank.base_url, gov.base_url, count, arguments.prepare_concurrency)
                prepared = time.perf_counter() - began
                baseline = open_loop(bank.base_url, [("GET", "/health")] * count, arguments.rate)
                assert bank.process is not None and gov.process is not None
                cpu = (process_tree_cpu_seconds(bank.process.pid), process_tree_cpu_seconds(gov.process.pid))
                load_at_start = os.getloadavg()[0]
                sender_cpu = time.process_time()
                decisions = open_loop(
                    bank.base_url, [("POST", f"/v1/applications/{i}/decision") for i in ids], arguments.rate
                )
                sender_cpu = time.process_time() - sender_cpu
                cpu_ms = {
                    "bank": round((process_tree_cpu_seconds(bank.process.pid) - cpu[0]) / count * 1000, 2),
                    "government": round((process_tree_cpu_seconds(gov.process.pid) - cpu[1]) / count * 1000, 2),
                    "sender": round(sender_cpu / count * 1000, 2),
                }
                recorded = httpx.get(
                    f"{bank.base_url}/v1/decisions", params={"limit": min(count, 10_000)}, timeout=60
                ).json()
    server = [d["latency_ms"] for d in recorded["decisions"] if d.get("latency_ms") is not None]
    result = {
        "rate_per_s": arguments.rate,
        "seconds": arguments.seconds,
        "bank_workers": arguments.bank_workers,
        "gov_workers": arguments.gov_workers,
        "model": model,
        "prepared_in_s": round(prepared, 1),
        "baseline_health": baseline,
        "decisions": decisions,
        "outcomes": recorded["counts"],
        "server_cpu_ms_per_decision": cpu_ms,
        "load_average_1m": {"start": round(load_at_start, 1), "end": round(os.getloadavg()[0], 1)},
        "bank_internal_ms": {"p50": percentile(server, 0.5), "p99": percentile(server, 0.99)} if server else None,
        "p99_ratio_to_baseline": round(decisions["p99_ms"] / max(baseline["p99_ms"], 0.1), 1),
    }
    if arguments.json:
        print(json.dumps(result, indent=2))
        return
    print(f"prepared {count} signed applications in {result['prepared_in_s']} s")
    for name in ("baseline_health", "decisions"):
        figures = result[name]
        print(
            f"{name:16} {figures['throughput_per_s']:7.1f}/s  p50 {figures['p50_ms']:7.1f} ms  "
            f"p99 {figures['p99_ms']:7.1f} ms  max {figures['max_ms']:7.1f} ms  statuses {figures['statuses']}"
        )
    print(f"outcomes {result['outcomes']}; inside the bank p50/p99 {result['bank_internal_ms']} ms")
    print(f"CPU per decision {cpu_ms} ms; load average (1 min) {result['load_average_1m']}")


if __name__ == "__main__":
    main()
