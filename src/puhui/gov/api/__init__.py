"""The node's HTTP API (FastAPI): the only door through which anything leaves the government network."""
