"""The government node (数据分析平台): catalog, ingestion, the pseudonymized lake, indicators, consent, audit.

It runs inside the e-government network. Nothing leaves it except desensitized indicators answered to an
admitted institution under a valid consent, through its HTTP API.
"""
