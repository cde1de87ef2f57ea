"""Consent-checked indicator queries on loopback: throughput and p50/p99 with 1 and 2 uvicorn workers.

    python3 bench/gov_query.py [--database postgresql|sqlite] [--queries 2000] [--concurrency 16]

For each worker count the script starts ``puhui gov serve --workers N`` on a fresh database (PostgreSQL on
127.0.0.1:5432 or ``PUHUI_TEST_POSTGRES_URL``: a new schema; SQLite: a new file), admits a bank and has
``--queries`` applicants each sign a one-time ``loan_application`` consent (prepared in-process through the use
cases, not timed). Then, timed:

- baseline: ``GET /v1/health`` as fast as the same client threads can send it — the HTTP stack alone, no
  database, no signature;
- queries: one signed ``POST /v1/indicator-queries`` per consent — signature, clock window and nonce checks, the
  consent check, the indicator read, the atomic use counter, the access record, metering and the chained audit
  record, all committed.

The indicator reader is the in-memory demo reader (``puhui.gov.queries.reader.demo_indicator_reader``) unless
``--indicator-reader module:factory`` names another, so the figures are the consent-gated service's own cost.
The client (httpx, one connection per thread, Ed25519 signing) runs on the same machine as the server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from puhui.cli._processes import ServiceProcess
from puhui.core.ids import credit_code_check_char, resident_id_check_digit
from puhui.core.signing import load_private_key, sign_request
from puhui.gov.audit.model import Actor, Role
from puhui.gov.bootstrap import bootstrap
from puhui.gov.config import GovSettings
from puhui.gov.consent.identity import ApplicantSession
from puhui.gov.consent.model import ConsentTerms, FetchType, Frequency, FrequencyUnit
from puhui.gov.consent.services import grant_consent, request_consent
from puhui.gov.institutions.model import InstitutionType
from puhui.gov.institutions.services import admit_institution

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout, for its test support code
from tests.support.databases import fresh_database

ADMIN = Actor("bench", Role.ADMIN)
GROUPS = ("identity_basic", "social_insurance", "judicial")


def prepare(env: dict[str, str], queries: int) -> tuple[str, str, list[tuple[str, str]]]:
    """Admit a bank and sign ``queries`` one-time consents, through the use cases; (key id, key PEM, consents)."""
    settings = GovSettings(**{k.removeprefix("PUHUI_").lower(): v for k, v in env.items()})
    node = bootstrap(settings)
    now = node.now()
    code = "913605001583" + f"{queries % 100000:05d}"
    credentials = admit_institution(
        node.uow(),
        name="基准测试银行",
        credit_code=code + credit_code_check_char(code),
        type=InstitutionType.BANK,
        purposes=["loan_application"],
        groups=GROUPS,
        purpose_table=node.purposes,
        known_groups=node.reader.groups().keys(),
        actor=ADMIN,
        now=now,
    )
    terms = ConsentTerms(
        "loan_application", GROUPS, 24, FetchType.ONE_TIME, Frequency(1, FrequencyUnit.CONSENT), 365, 30
    )
    consents = []
    for number in range(queries):
        first = f"360502{1960 + number % 40}0101{number % 1000:03d}"
        subject = first + resident_id_check_digit(first)
        consent = request_consent(
            node.uow(),
            institution=credentials.institution,
            subject_id=subject,
            terms=terms,
            language="zh-CN",
            purposes=node.purposes,
            groups=node.reader.groups(),
            pseudonymizer=node.pseudonymizer,
            request_days=7,
            actor=ADMIN,
            now=now,
        )
        session = ApplicantSession("bench", consent.subject_pseudonym, consent.masked_subject, now, now)
        grant_consent(
            node.uow(),
            session=session,
            consent_id=consent.id,
            letter_hash=consent.letter.hash,
            accepted_clauses=consent.letter.clauses,
            purposes=node.purposes,
            signing_key=node.signing_key,
            actor=ADMIN,
            now=now,
        )
        consents.append((consent.id, subject))
    node.engine.dispose()
    return credentials.institution.id, credentials.private_key_pem, consents


def process_tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of a process and all its descendants so far (Linux ``/proc``)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(times.get(pid, 0.0) for pid in tree)


def timed(
    calls: list[Callable[[httpx.Client], int]], base_url: str, concurrency: int, server_pid: int
) -> dict[str, float]:
    """Run the calls on ``concurrency`` threads (one keep-alive connection each); throughput, latencies, and the
    server's own CPU per request (which, unlike wall time, other jobs on the machine barely change)."""
    local = threading.local()
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()

    def run(call: Callable[[httpx.Client], int]) -> None:
        nonlocal failures
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(base_url=base_url, timeout=60)
        started = time.perf_counter()
        status = call(client)
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            failures += status != 200

    cpu_before = process_tree_cpu_seconds(server_pid)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(run, calls))
    wall = time.perf_counter() - started
    server_cpu = process_tree_cpu_seconds(server_pid) - cpu_before
    latencies.sort()
    return {
        "requests": len(calls),
        "failures": failures,
        "per_second": round(len(calls) / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
        "server_cpu_ms_per_request": round(server_cpu / len(calls) * 1000, 2),
    }


def query_call(key_id: str, key_pem: str, consent_id: str, subject: str) -> Callable[[httpx.Client], int]:
    key = load_private_key(key_pem)
    body = json.dumps(
        {"consent_id": consent_id, "subject_id": subject, "purpose": "loan_application", "groups": list(GROUPS)}
    ).encode()

    def call(client: httpx.Client) -> int:
        path = "/v1/indicator-queries"
        headers = sign_request(key, key_id, "POST", path, body, timestamp=int(time.time())).headers()
        return client.post(path, content=body, headers=headers | {"content-type": "application/json"}).status_code

    return call


def health_call(client: httpx.Client) -> int:
    return client.get("/v1/health").status_code


def run(kind: str, workers: int, args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder, fresh_database(kind, Path(folder)) as url:
        env = {
            "PUHUI_HOME": folder,
            "PUHUI_PROFILE": "development",
            "PUHUI_GOV_DATABASE_URL": url,
            "PUHUI_GOV_ADMIN_TOKEN": secrets.token_hex(16),
            "PUHUI_GOV_SIGNING_KEY": secrets.token_hex(32),
            "PUHUI_PSEUDONYM_KEYS": "1:" + secrets.token_hex(32),
        }
        if args.indicator_reader:
            env["PUHUI_GOV_INDICATOR_READER"] = args.indicator_reader
        key_id, key_pem, consents = prepare(env, args.queries)
        server = ServiceProcess("government", ["gov", "serve", "--workers", str(workers)], env, "/v1/health")
        with server:
            assert server.process is not None
            pid = server.process.pid
            timed([health_call] * 200, server.base_url, args.concurrency, pid)  # warm-up: connections, workers
            baseline = timed([health_call] * args.queries, server.base_url, args.concurrency, pid)
            calls = [query_call(key_id, key_pem, consent_id, subject) for consent_id, subject in consents]
            queries = timed(calls, server.base_url, args.concurrency, pid)
    return {
        "database": kind,
        "workers": workers,
        "reader": args.indicator_reader or "demo (in memory)",
        "baseline_health": baseline,
        "queries": queries,
        "queries_vs_baseline": round(float(queries["per_second"]) / float(baseline["per_second"]), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--indicator-reader", default=None, help="module:factory (default: the demo reader)")
    args = parser.parse_args()
    print(f"# {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {args.database}, {args.queries} queries, "
          f"{args.concurrency} client threads, {os.cpu_count()} cores")  # fmt: skip
    for workers in (int(w) for w in args.workers.split(",")):
        result = run(args.database, workers, args)
        # other processes on the machine change every figure: say how busy it was
        result["load_average_1min"] = round(os.getloadavg()[0], 2)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
