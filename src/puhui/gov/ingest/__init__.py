"""Ingestion of department deliveries into the lake: readers, validation against the catalog, the load pipeline
and the freshness report (``puhui gov ingest``, ``puhui gov sources``; ``docs/lake.md``)."""
