"""Figures in Chinese translations: 萬/億/萬億, 元/人民幣 and full-width digits."""

from __future__ import annotations

import re

from assistant.documents.text import BARE_YEAR_RE
from assistant.figures.model import CURRENCIES, FULL_WIDTH, NUM, Figure, parse_number
from assistant.figures.timing import nearest_period
from assistant.text.periods import zh_periods_in

ZH_RE = re.compile(
    rf"(?P<pre>人民幣|人民币|美元|港元|港幣)?\s?(?P<num>{NUM})\s?"
    r"(?P<scale>萬億|万亿|億|亿|萬|万|千)?\s?(?P<unit>元|美元|港元|%|個基點|个基点|基點|基点|個百分點|个百分点|"
    r"個月|个月|天|倍|家|個|个|名|台|筆|笔)?"
    r"(?P<post>人民幣|人民币)?"
)
CHANGE_ZH_RE = re.compile(
    r"(?P<inc>增長|增长|成長|成长|提高|提升|上升|增加|擴大|扩大)|"
    r"(?P<dec>下降|減少|减少|降低|下滑|收窄)|(?P<imp>改善)"
)


def chinese_figures(text: str, default_period: str | None) -> list[Figure]:
    normalised = text.translate(FULL_WIDTH)
    default_year = default_period[-4:] if default_period and default_period[-4:].isdigit() else None
    periods = zh_periods_in(normalised, default_year)
    figures = []
    for m in ZH_RE.finditer(normalised):
        pre, scale, unit_word, post = (
            m.group("pre"),
            m.group("scale"),
            m.group("unit"),
            m.group("post"),
        )
        if not (pre or scale or unit_word or post):
            continue
        start, end = m.span()
        if re.match(r"\s", normalised[start : start + 1] or "x"):
            start += 1
        before = normalised[max(0, start - 3) : start]
        if re.search(r"[A-Za-z]$", before) or (
            unit_word is None and not pre and not post and scale == "千"
        ):
            continue
        number = m.group("num")
        if BARE_YEAR_RE.match(number) and not (
            pre or post or unit_word in {"元", "美元", "港元", "%"}
        ):
            continue
        value = parse_number(number, scale)
        unit = zh_unit(normalised, start, end, pre, scale, unit_word, post)
        if unit is None:
            continue
        head = normalised[max(0, start - 14) : start]
        head = re.split(r"[,。、;:,;]", head)[-1]
        subject = re.split(r"\d", head)[0]  # "淨利潤增長17%至" -> "淨利潤增長"
        change = zh_change(head)
        metric = zh_metric(subject)
        figures.append(
            Figure(
                value=value,
                unit=unit,
                text=text[start:end],
                span=(start, end),
                source="translation",
                scale=scale,
                metric=metric,
                period=nearest_period(periods, start) or default_period,
                change=change,
                approximate=bool(re.search(r"(約|约|大約|大约|近)$", head)),
            )
        )
    return figures


def zh_unit(
    normalised: str,
    start: int,
    end: int,
    pre: str | None,
    scale: str | None,
    unit_word: str | None,
    post: str | None,
) -> str | None:
    """The unit a Chinese figure is stated in; None when it states none."""
    if unit_word == "%":
        return "%"
    if unit_word and ("基點" in unit_word or "基点" in unit_word):
        return "bps"
    if unit_word and ("百分點" in unit_word or "百分点" in unit_word):
        return "%"
    if unit_word in {"個月", "个月"}:
        return "months"
    if unit_word == "天":
        return "days"
    if unit_word == "倍":
        return "x"
    if pre or post or unit_word in {"元", "美元", "港元"}:
        unit = CURRENCIES[pre or post or unit_word]
        if pre in {"美元", "港元", "港幣"} or unit_word in {"美元", "港元"}:
            unit = CURRENCIES[pre if pre in {"美元", "港元", "港幣"} else unit_word]
        return unit
    if unit_word in {"家", "個", "个", "名", "台", "筆", "笔"} or scale:
        context = normalised[max(0, start - 20) : end + 10]
        return "CNY" if scale and re.search("元|人民幣|人民币", context) else "count"
    return None


def zh_change(head: str) -> str | None:
    """The change the words before a figure say, unless they lead to a level
    ("增長17%至3.63億元")."""
    changes = list(CHANGE_ZH_RE.finditer(head))
    if not changes or re.search(r"(至|到|達|达|為|为)\s*$", head):
        return None
    last = changes[-1]
    return "increase" if last.group("inc") else "decrease" if last.group("dec") else "improvement"


def zh_metric(subject: str) -> str | None:
    """The metric named before a figure, its verbs, particles and possessives trimmed."""
    metric = re.sub(
        r"(為|为|是|達|达|約|约|至|到|了|在|共|有|的|增長|增长|下降|減少|减少|提高|"
        r"上升|增加|改善|成長|成长|降低|約為|人民幣|人民币|增|減|减|降|升|將|将|"
        r"\[|\]|\s)+$",
        "",
        subject,
    ).strip()
    metric = re.sub(r"^.*?(我們的|我们的|我們|我们|其|本季|本季度|季末|截至)", "", metric)
    return metric.strip() or None
