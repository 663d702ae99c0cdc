"""Traditional Chinese as written in Hong Kong: 2026年11月25日 15:05 (the 24-hour clock: see
odr/formats/__init__.py); numbers grouped in threes with commas, as Hong Kong writes them."""

DATE_FORMAT = "Y年n月j日"  # 2026年11月25日
TIME_FORMAT = "H:i"  # 15:05
DATETIME_FORMAT = "Y年n月j日 H:i"  # 2026年11月25日 15:05
YEAR_MONTH_FORMAT = "Y年n月"  # 2026年11月
MONTH_DAY_FORMAT = "n月j日"  # 11月25日
SHORT_DATE_FORMAT = "Y年n月j日"  # 2026年11月25日
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"  # 2026年11月25日 15:05 (what Intl.DateTimeFormat("zh-HK") writes)
FIRST_DAY_OF_WEEK = 1  # 星期一

# Ours (see odr/formats/__init__.py)
WEEKDAY_DATETIME_FORMAT = "Y年n月j日\uff08l\uff09H:i"  # 2026年11月25日(星期三)15:05, full-width brackets
PRECISE_DATETIME_FORMAT = "Y年n月j日 H:i:s"  # 2026年11月25日 15:05:09

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3  # 1,234,567 (Django's default for zh-hant groups in fours with no separator)

# What forms read. ISO first: it is what <input type="date"> and <input type="datetime-local"> send and show
# (Django's own first Chinese format, 2026/11/25, would leave those inputs empty).
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
]
