"""The pseudonymized data lake of the government node: layout, batches and lineage, DuckDB views
(``docs/lake.md``)."""
