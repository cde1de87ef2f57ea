"""Consent: identity verification, the authorization letter, the consent artefact and its lifecycle."""
