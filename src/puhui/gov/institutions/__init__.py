"""Admitted institutions: banks and data service providers, their credentials and their lifecycle."""
