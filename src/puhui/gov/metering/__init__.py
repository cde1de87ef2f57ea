"""Metering: queries counted per institution, purpose and indicator group, and yearly fee statements."""
