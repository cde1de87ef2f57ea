"""The bank node (数据融合平台): the bank's own data, rule sets, models, decisions and loans.

It reaches government data only through its HTTP client; the bank's own data never leaves it.
"""
