"""China Standard Time: the zone every calendar rule of the pilot (consent days, delivery days, due dates) uses."""

from __future__ import annotations

import datetime as dt

# China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact (and needs no tz database).
CHINA_TIME = dt.timezone(dt.timedelta(hours=8), "CST")

__all__ = ["CHINA_TIME"]
