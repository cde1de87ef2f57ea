"""Indicators: desensitized single facts per subject, compiled from their definitions and served point in time."""
