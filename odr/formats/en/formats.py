"""English: 25 November 2026, 15:05 (the 24-hour clock: see odr/formats/__init__.py)."""

DATE_FORMAT = "j F Y"  # 25 November 2026
TIME_FORMAT = "H:i"  # 15:05
DATETIME_FORMAT = "j F Y, H:i"  # 25 November 2026, 15:05
YEAR_MONTH_FORMAT = "F Y"  # November 2026
MONTH_DAY_FORMAT = "j F"  # 25 November
SHORT_DATE_FORMAT = "j M Y"  # 25 Nov 2026
SHORT_DATETIME_FORMAT = "j M Y, H:i"  # 25 Nov 2026, 15:05 (what Intl.DateTimeFormat("en-GB") writes in the room)
FIRST_DAY_OF_WEEK = 1  # Monday

# Ours (see odr/formats/__init__.py)
WEEKDAY_DATETIME_FORMAT = "l j F Y, H:i"  # Wednesday 25 November 2026, 15:05
PRECISE_DATETIME_FORMAT = "j M Y, H:i:s"  # 25 Nov 2026, 15:05:09

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3  # 1,234,567

# What forms read. ISO first: it is what <input type="date"> and <input type="datetime-local"> send and show.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%d %b %Y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %H:%M",
]
