"""puhui (普惠): government data for inclusive credit, without the data leaving the government network."""

__version__ = "0.1.0"
