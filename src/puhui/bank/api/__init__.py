"""The bank node's HTTP API (FastAPI): thin routes over the use cases, one error-to-status mapping."""
