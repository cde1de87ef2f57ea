"""Pricing: the LPR table, risk-based rates within the rule set's bounds, and offers with their schedules."""

from puhui.bank.pricing.lpr import LprFixing, LprTable, load_lpr_table
from puhui.bank.pricing.offer import Offer, Price, price_for, price_offer, rate_bounds

__all__ = ["LprFixing", "LprTable", "Offer", "Price", "load_lpr_table", "price_for", "price_offer", "rate_bounds"]
