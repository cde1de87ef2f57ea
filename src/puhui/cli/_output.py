"""Shared output helpers: one console, JSON for scripts, and user errors printed without a traceback."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import typer
from rich.console import Console

from puhui.core.errors import PuhuiError

console = Console()
err_console = Console(stderr=True)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_default) + "\n")


@contextmanager
def user_errors() -> Iterator[None]:
    """Print a PuhuiError as one clear line and exit 2; anything else is a bug and keeps its traceback."""
    try:
        yield
    except PuhuiError as err:
        err_console.print(f"[red]error[/red] ({err.code}): {err.message}")
        raise typer.Exit(2) from None
