"""One module per resource; each holds thin handlers that call one use case."""
