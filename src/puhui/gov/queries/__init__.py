"""Consent-gated indicator queries: the one door through which anything leaves the government network."""
