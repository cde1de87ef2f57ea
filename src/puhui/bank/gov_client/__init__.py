"""The bank's typed client of the government node: signed requests, timeouts, safe retries, clear errors."""
