"""What a figure is: its value in base units, unit, scale, metric, period, kind and change,
with its exact source text and span; the currencies and scales read."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

Source = Literal["text", "translation", "table"]

SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "mm": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
    "萬": 1e4,
    "万": 1e4,
    "億": 1e8,
    "亿": 1e8,
    "萬億": 1e12,
    "万亿": 1e12,
    "千": 1e3,
    "thousands": 1e3,
    "millions": 1e6,
    "billions": 1e9,
}
CURRENCIES = {
    "rmb": "CNY",
    "cny": "CNY",
    "yuan": "CNY",
    "renminbi": "CNY",
    "人民幣": "CNY",
    "人民币": "CNY",
    "元": "CNY",
    "us$": "USD",
    "usd": "USD",
    "$": "USD",
    "dollars": "USD",
    "美元": "USD",
    "hk$": "HKD",
    "hkd": "HKD",
    "港元": "HKD",
    "港幣": "HKD",
    "eur": "EUR",
    "€": "EUR",
    "gbp": "GBP",
    "£": "GBP",
    "jpy": "JPY",
    "¥": "JPY",
    "s$": "SGD",
    "a$": "AUD",
    "c$": "CAD",
}
FULL_WIDTH = str.maketrans("０１２３４５６７８９％，．", "0123456789%,.")

NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
CUR_PREFIX = r"US\$|HK\$|S\$|A\$|C\$|RMB|USD|HKD|CNY|EUR|GBP|JPY|\$|€|£|¥"
SCALE_WORD = r"thousand|million|billion|trillion|mn|bn|tn"


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str
    text: str
    span: tuple[int, int]
    source: Source = "text"
    scale: str | None = None
    metric: str | None = None
    period: str | None = None
    change: str | None = None
    qualifier: str | None = None
    high: float | None = None
    approximate: bool = False
    bound: str | None = None
    nil: bool = False
    row_path: tuple[str, ...] = ()
    column_path: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    # Whether the period comes from the figure's own sentence (or table headers) rather than
    # from the document; and whether the figure is a result, guidance or an earlier period.
    period_stated: bool = False
    kind: str = "actual"

    def as_dict(self) -> dict:
        out = {
            "value": self.value,
            "unit": self.unit,
            "text": self.text,
            "scale": self.scale,
            "metric": self.metric,
            "period": self.period,
            "change": self.change,
            "qualifier": self.qualifier,
            "high": self.high,
            "approximate": self.approximate,
            "bound": self.bound,
            "nil": self.nil,
            "source": self.source,
            "span": list(self.span),
            "row_path": list(self.row_path),
            "column_path": list(self.column_path),
            "flags": list(self.flags),
            "period_stated": self.period_stated,
            "kind": self.kind,
        }
        return out


def parse_number(text: str, scale: str | None = None) -> float:
    """Exact decimal arithmetic, so RMB4.1 billion is 4100000000, not 4099999999.9999995."""
    number = Decimal(text.replace(",", "").replace(",", ""))
    return float(number * Decimal(str(SCALES[scale])) if scale in SCALES else number)


CURRENCY_UNITS = frozenset(CURRENCIES.values())
