"""Both nodes as real processes on loopback: for ``puhui demo``, the latency benchmark and end-to-end tests.

Each node runs ``puhui <gov|bank> serve`` in its own process on a free 127.0.0.1 port, with its own
``PUHUI_HOME``; ``ServiceProcess`` waits until the node answers its health check and stops it on exit.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import httpx

from puhui.core.errors import UpstreamUnavailable

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def puhui_command(*arguments: str) -> list[str]:
    """``puhui ARGUMENTS`` with this interpreter (works without the console script on PATH)."""
    return [sys.executable, "-c", "from puhui.cli import main; main()", *arguments]


class ServiceProcess:
    """One node's ``serve`` process; ``with`` starts it and waits for health, leaving stops it."""

    def __init__(
        self,
        name: str,
        arguments: Sequence[str],
        env: Mapping[str, str],
        health_path: str,
        *,
        port: int | None = None,
        startup_seconds: float = 60.0,
    ) -> None:
        self.name = name
        self.port = port or free_port()
        self.base_url = f"http://{LOOPBACK}:{self.port}"
        self.arguments = [*arguments, "--host", LOOPBACK, "--port", str(self.port)]
        self.env = {**os.environ, **env}
        self.health_path = health_path
        self.startup_seconds = startup_seconds
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> Self:
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process, closed in __exit__
        self.process = subprocess.Popen(
            puhui_command(*self.arguments), env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + self.startup_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise UpstreamUnavailable(f"the {self.name} node exited at start-up:\n{self.log()}")
            try:
                if httpx.get(self.base_url + self.health_path, timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise UpstreamUnavailable(f"the {self.name} node did not answer within {self.startup_seconds:.0f} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        """What the process printed (its last 4,000 characters)."""
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-4000:]

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
        if self._log is not None:
            self._log.close()


PILOT_BANK_CREDIT_CODE = "91360500MA35K0XX78"  # a syntactically valid code for the demo's pilot bank


def gov_node(home: Path, admin_token: str, env: Mapping[str, str] | None = None) -> ServiceProcess:
    """The government node (development profile: one-time codes come back in the API for scripted applicants)."""
    home.mkdir(parents=True, exist_ok=True)
    settings = {"PUHUI_HOME": str(home), "PUHUI_PROFILE": "development", "PUHUI_GOV_ADMIN_TOKEN": admin_token}
    return ServiceProcess("government", ["gov", "serve"], {**settings, **(env or {})}, "/v1/health")


def admit_bank(gov_url: str, admin_token: str, groups: Sequence[str], key_file: Path) -> str:
    """Admit the pilot bank at the government node (or, admitted before, issue it a new key); its private key goes
    to ``key_file`` (0600) and its institution id comes back."""
    admin = {"Authorization": f"Bearer {admin_token}"}
    answer = httpx.post(
        f"{gov_url}/v1/admin/institutions",
        headers=admin,
        json={
            "name": "新余普惠试点银行",
            "credit_code": PILOT_BANK_CREDIT_CODE,
            "type": "bank",
            "purposes": ["loan_application", "in_loan_monitoring"],
            "groups": list(groups),
        },
        timeout=10.0,
    )
    if answer.status_code == 409:  # a kept home: the bank is known, its old key may be lost — rotate it
        known = httpx.get(f"{gov_url}/v1/admin/institutions", headers=admin, timeout=10.0).json()
        institution = next(i for i in known if i["credit_code"] == PILOT_BANK_CREDIT_CODE)
        answer = httpx.post(
            f"{gov_url}/v1/admin/institutions/{institution['id']}/credentials", headers=admin, timeout=10.0
        )
    if answer.status_code != 201:
        raise UpstreamUnavailable(f"the government node refused to admit the bank: {answer.text}")
    credentials = answer.json()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(credentials["private_key_pem"])
    return str(credentials["key_id"])


def bank_node(
    home: Path,
    gov_url: str,
    institution_id: str,
    key_file: Path,
    groups: Sequence[str],
    env: Mapping[str, str] | None = None,
    workers: int = 1,
) -> ServiceProcess:
    home.mkdir(parents=True, exist_ok=True)
    settings = {
        "PUHUI_HOME": str(home),
        "PUHUI_PROFILE": "development",
        "PUHUI_BANK_GOV_URL": gov_url,
        "PUHUI_BANK_INSTITUTION_ID": institution_id,
        "PUHUI_BANK_KEY_FILE": str(key_file),
        "PUHUI_BANK_INDICATOR_GROUPS": ",".join(groups),
    }
    arguments = ["bank", "serve", "--workers", str(workers)]
    return ServiceProcess("bank", arguments, {**settings, **(env or {})}, "/health")


__all__ = [
    "LOOPBACK",
    "PILOT_BANK_CREDIT_CODE",
    "ServiceProcess",
    "admit_bank",
    "bank_node",
    "free_port",
    "gov_node",
    "puhui_command",
]
