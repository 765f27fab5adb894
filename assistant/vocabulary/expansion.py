"""Finance shorthand and its spelled-out and Chinese forms, applied to queries only.

Each line is a group of interchangeable phrases. A question that uses one phrase of a group is
searched with the others as well (at a lower weight), so "2L ACL" finds "second lien" and
"allowance for credit losses", and "營業收入" finds "revenue". Documents are never edited.
A Chinese question is also given an English gloss made of its groups' first phrases, for the
English-only embedding model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.text.lexical import fold_chinese, normalize, tokenize

GROUPS: tuple[tuple[str, ...], ...] = (
    ("revenue", "revenues", "營業收入", "營收"),
    ("net income", "net profit", "net earnings", "淨利潤", "淨收入", "淨利"),
    ("profit", "profitability", "利潤", "獲利", "盈利"),
    ("first quarter", "q1", "first-quarter", "1q", "第一季度", "第一季"),
    ("second quarter", "q2", "second-quarter", "2q", "第二季度", "第二季"),
    ("third quarter", "q3", "third-quarter", "3q", "第三季度", "第三季"),
    ("fourth quarter", "q4", "fourth-quarter", "4q", "第四季度", "第四季"),
    ("full year", "full-year", "fy", "fiscal year", "全年"),
    ("first half", "h1", "上半年"),
    ("second half", "h2", "下半年"),
    ("year over year", "yoy", "year-over-year", "year on year", "year-on-year", "同比"),
    ("quarter over quarter", "qoq", "quarter-over-quarter", "sequential", "sequentially", "環比"),
    ("allowance for credit losses", "acl", "credit loss allowance", "信用損失準備"),
    ("first lien", "1l", "first-lien"),
    ("second lien", "2l", "second-lien"),
    ("first payment default", "fpd"),
    ("days past due", "dpd", "past due", "逾期"),
    ("non-performing loans", "npl", "npls", "nonperforming loans"),
    ("delinquency", "delinquent", "拖欠"),
    ("gross merchandise value", "gmv"),
    ("annual percentage rate", "apr"),
    ("earnings per share", "eps", "每股收益"),
    ("operating expenses", "opex", "營運支出", "營運費用"),
    ("capital expenditure", "capex", "capital expenditures"),
    ("research and development", "r&d", "研發"),
    ("sales and marketing", "s&m", "銷售和行銷"),
    ("basis points", "bps", "basis point", "bp"),
    ("outlook", "guidance", "forecast", "展望", "預期"),
    ("dividend", "dividends", "payout", "股息", "股利", "派息"),
    ("repurchase", "buyback", "share repurchase", "回購"),
    ("cash", "cash position", "cash and cash equivalents", "現金"),
    ("loan balance", "outstanding loans", "loan book", "貸款餘額"),
    ("loans", "loan", "貸款"),
    ("provision", "provisions", "撥備"),
    ("coverage ratio", "provision coverage", "撥備覆蓋率"),
    ("funding cost", "funding costs", "cost of funds", "融資成本"),
    ("margin", "利潤率"),
    ("chief executive officer", "ceo", "執行長", "首席執行官"),
    ("chief financial officer", "cfo", "財務長", "首席財務官"),
    ("chief risk officer", "cro", "風險長"),
    ("chief operating officer", "coo"),
    ("investor relations", "ir"),
    ("adjusted ebitda", "ebitda"),
    ("total payment volume", "tpv"),
    ("annual recurring revenue", "arr"),
    ("year-end", "year end", "end of the year", "年末", "年底"),
    ("quarter end", "quarter-end", "end of the quarter", "季末"),
    ("increase", "growth", "grew", "rose", "raise", "raised", "raising", "增長", "成長", "提高"),
    (
        "decrease",
        "decline",
        "declined",
        "fell",
        "cut",
        "reduce",
        "reduced",
        "reducing",
        "lower",
        "lowered",
        "下降",
        "減少",
    ),
    ("users", "customers", "用戶", "客戶"),
    ("risk", "風險"),
    ("artificial intelligence", "ai", "人工智慧", "人工智能"),
)

EXPANSION_WEIGHT = 0.35


@dataclass(frozen=True)
class ExpandedQuery:
    terms: tuple[tuple[str, float], ...]
    gloss: str
    groups: tuple[int, ...]


def _is_cjk_phrase(phrase: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", phrase))


@lru_cache(maxsize=1)
def _matchers() -> list[list[tuple[re.Pattern[str] | None, str]]]:
    groups = []
    for group in GROUPS:
        matchers: list[tuple[re.Pattern[str] | None, str]] = []
        for phrase in group:
            if _is_cjk_phrase(phrase):
                matchers.append((None, fold_chinese(phrase)))
            else:
                pattern = re.compile(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])")
                matchers.append((pattern, phrase))
        groups.append(matchers)
    return groups


def matched_groups(question: str) -> list[int]:
    text = normalize(question)
    folded = fold_chinese(text)
    found = []
    for index, matchers in enumerate(_matchers()):
        for pattern, phrase in matchers:
            hit = phrase in folded if pattern is None else pattern.search(text)
            if hit:
                found.append(index)
                break
    return found


def expand(question: str) -> ExpandedQuery:
    """Weighted BM25 terms for `question` and an English gloss of its finance vocabulary."""
    weights: dict[str, float] = {}
    for token in tokenize(question):
        weights[token] = weights.get(token, 0.0) + 1.0
    groups = matched_groups(question)
    for index in groups:
        for phrase in GROUPS[index]:
            for token in set(tokenize(phrase)):
                if token not in weights:
                    weights[token] = EXPANSION_WEIGHT
    gloss = " ".join(GROUPS[index][0] for index in groups)
    return ExpandedQuery(terms=tuple(weights.items()), gloss=gloss, groups=tuple(groups))
