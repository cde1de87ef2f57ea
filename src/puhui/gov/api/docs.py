"""``/docs``: the OpenAPI document as one self-contained HTML page.

FastAPI's Swagger and ReDoc pages load their scripts from a CDN, and nothing here may reach the internet at run
time; this page is rendered on the node from ``app.openapi()`` alone: every operation, who may call it, its
request body and its responses. The machine-readable document stays at ``/openapi.json``.
"""

from __future__ import annotations

import html
import json
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{margin-top:2rem;border-bottom:1px solid #ccc} code,pre{font:13px ui-monospace,monospace}
.op{margin:1rem 0;padding:.5rem 1rem;border-left:4px solid #888;background:#f7f7f7}
.get{border-color:#2a7ae2}.post{border-color:#2e9d4c}.delete{border-color:#c0392b}
.method{font-weight:bold;text-transform:uppercase;margin-right:.5rem} pre{white-space:pre-wrap}
"""


def _schema_name(content: dict[str, Any] | None) -> str:
    schema = ((content or {}).get("application/json") or {}).get("schema") or {}
    reference = schema.get("$ref") or (schema.get("items") or {}).get("$ref") or ""
    name = reference.rsplit("/", 1)[-1]
    return f"{name}[]" if name and "items" in schema else name


def render_docs(schema: dict[str, Any]) -> str:
    info = schema.get("info", {})
    parts = [
        f"<!doctype html><html lang=zh-CN><meta charset=utf-8><title>{html.escape(info.get('title', 'API'))}</title>",
        f"<style>{_STYLE}</style><h1>{html.escape(info.get('title', ''))}</h1>",
        f"<p>{html.escape(info.get('summary', ''))} <a href=/openapi.json>openapi.json</a></p>",
    ]
    by_tag: dict[str, list[str]] = {}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            security = ", ".join(name for entry in operation.get("security", []) for name in entry) or "none"
            body = _schema_name((operation.get("requestBody") or {}).get("content"))
            responses = ", ".join(
                f"{code} {_schema_name(answer.get('content'))}".strip()
                for code, answer in operation.get("responses", {}).items()
            )
            parameters = ", ".join(f"{p['name']} ({p['in']})" for p in operation.get("parameters", []))
            by_tag.setdefault((operation.get("tags") or ["other"])[0], []).append(
                f"<div class='op {method}'><span class=method>{method}</span><code>{html.escape(path)}</code>"
                f"<div>{html.escape(operation.get('summary', ''))}</div>"
                f"<pre>{html.escape(operation.get('description', ''))}</pre>"
                f"<div>caller: {html.escape(security)}"
                + (f" · parameters: {html.escape(parameters)}" if parameters else "")
                + (f" · body: <a href='#{body}'>{html.escape(body)}</a>" if body else "")
                + f" · responses: {html.escape(responses)}</div></div>"
            )
    for tag, entries in by_tag.items():
        parts.append(f"<h2>{html.escape(tag)}</h2>")
        parts.extend(entries)
    parts.append("<h2>schemas</h2>")
    for name, body in schema.get("components", {}).get("schemas", {}).items():
        parts.append(f"<h3 id='{html.escape(name)}'>{html.escape(name)}</h3>")
        parts.append(f"<pre>{html.escape(json.dumps(body, ensure_ascii=False, indent=2))}</pre>")
    return "".join(parts)


def install_docs(app: FastAPI) -> None:
    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(render_docs(app.openapi()))


__all__ = ["install_docs", "render_docs"]
