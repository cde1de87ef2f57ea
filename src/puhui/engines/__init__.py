"""Compute engines (DuckDB by default, Spark for scale-out) behind one small interface."""
