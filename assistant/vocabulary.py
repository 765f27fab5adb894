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

from assistant.lexical import fold_chinese, normalize, tokenize

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


# Document identity and question scope -------------------------------------------------------

# Legal forms stripped from a company's name to give the name people say ("Prologis, Inc.").
LEGAL_SUFFIXES: tuple[str, ...] = (
    "Incorporated",
    "Inc",
    "Corporation",
    "Corp",
    "Company",
    "Co",
    "Limited",
    "Ltd",
    "LLC",
    "L.L.C",
    "L.P",
    "LP",
    "plc",
    "PLC",
    "N.V",
    "S.A",
    "AG",
    "SE",
    "Group Inc",
)

# Capitalised words that start sentences or name things other than a company.
NOT_COMPANY_WORDS = frozenset(
    """our the this that today welcome everyone ladies gentlemen good morning afternoon evening
    thank thanks we you my first second third fourth fiscal full annual quarter quarterly year
    earnings conference call results what how which who when where why did does was were is are
    can could will would should please and also net total group holdings international global
    capital financial finance bank company corporation limited technology national american
    united general first""".split()
)

# Upper-case words that are finance terms or roles, never tickers or company names.
FINANCE_ACRONYMS = frozenset(
    """AFFO ADS ADR AI APR ARR AUM BPS CAGR CAPEX CECL CET1 CEO CFO COO CRE CRO CTO DCF DPD DSO
    EBIT EBITDA EBITDAR EPS ESG EU FFO FICO FPD FX FY GAAP GDP GMV HELOC IPO IR IRR LTV M&A NAV
    NII NIM NOI NPL OPEX PPP PRC QOQ REIT RMB ROA ROE ROTCE ROIC SBC SEC SG&A SKU SOFR TBV TPV
    TSR UK US USA USD CNY HKD EUR GBP JPY YOY YTD Q&A OK""".split()
)

# Figure qualifiers a question may name; a figure's own sentence must agree with them.
QUALIFIER_GROUPS: dict[str, tuple[str, ...]] = {
    "adjusted": (
        "adjusted",
        "adjusting",
        "non-gaap",
        "non gaap",
        "core",
        "underlying",
        "excluding",
    ),
    "gaap": ("gaap", "reported", "as reported"),
    "diluted": ("diluted",),
    "basic": ("basic",),
    "per_share": ("per share", "per diluted share", "eps", "earnings per share", "per unit"),
    "organic": ("organic", "comparable", "comp", "same-store", "same store", "like-for-like"),
}

# Metric keys of the figure ledger: the names one metric goes by, so that "diluted EPS" and
# "earnings per diluted share", or "CET1" and "common equity tier 1 ratio", meet under one key.
# A label's longest matching phrase decides; qualifiers (adjusted, diluted, basic) are added
# from the figure's own clause.
METRIC_KEYS: dict[str, tuple[str, ...]] = {
    "revenue": (
        "revenue",
        "revenues",
        "net revenue",
        "net revenues",
        "total revenue",
        "total revenues",
        "sales",
        "net sales",
        "total net sales",
        "turnover",
        "top line",
    ),
    "net_income": (
        "net income",
        "net profit",
        "net earnings",
        "profit attributable to shareholders",
        "net income attributable",
    ),
    "eps": (
        "eps",
        "earnings per share",
        "earnings per diluted share",
        "diluted earnings per share",
        "net income per share",
        "earnings per common share",
        "income per share",
    ),
    "operating_income": (
        "operating income",
        "operating profit",
        "income from operations",
        "operating earnings",
    ),
    "operating_margin": ("operating margin", "operating profit margin"),
    "gross_margin": ("gross margin", "gross profit margin"),
    "gross_profit": ("gross profit",),
    "ebitda": ("ebitda",),
    "ebitda_margin": ("ebitda margin",),
    "free_cash_flow": ("free cash flow",),
    "operating_cash_flow": (
        "operating cash flow",
        "cash from operations",
        "cash flow from operations",
        "cash provided by operating activities",
    ),
    "capex": ("capex", "capital expenditures", "capital expenditure", "capital spending"),
    "same_store_sales": (
        "same-store sales",
        "same store sales",
        "comparable sales",
        "comparable store sales",
        "comp sales",
        "comps",
    ),
    "effective_tax_rate": ("effective tax rate", "tax rate"),
    "dividend": ("dividend", "dividends", "quarterly dividend", "dividend per share"),
    "share_repurchases": ("share repurchases", "buybacks", "share buybacks", "repurchased"),
    "net_interest_income": ("net interest income", "nii"),
    "net_interest_margin": ("net interest margin", "nim"),
    "cet1_ratio": (
        "cet1",
        "cet1 ratio",
        "cet1 capital ratio",
        "common equity tier 1",
        "common equity tier 1 ratio",
        "common equity tier 1 capital ratio",
    ),
    "rotce": ("rotce", "return on tangible common equity", "return on tangible equity"),
    "roe": ("roe", "return on equity"),
    "return_on_cet1": ("return on cet1", "return on cet1 capital"),
    "cost_income_ratio": ("cost/income ratio", "cost income ratio", "cost-to-income ratio"),
    "provision_for_credit_losses": (
        "provision for credit losses",
        "provisions for credit losses",
        "credit loss provision",
        "credit loss expense",
        "cost of credit",
    ),
    "allowance_for_credit_losses": ("allowance for credit losses", "credit loss allowance"),
    "operating_expenses": ("operating expenses", "opex", "total expenses"),
    "sga": ("sg&a", "sg&a expenses", "selling general and administrative expenses"),
    "interest_expense": ("interest expense", "net interest expense"),
    "net_debt": ("net debt",),
    "backlog": ("backlog",),
    "liquidity": ("liquidity", "total liquidity"),
}

# How a key is written in an answer ("cet1_ratio by quarter" reads as "CET1 ratio by quarter");
# keys not named here are written with spaces for underscores.
METRIC_NAMES = {
    "eps": "EPS",
    "ebitda": "EBITDA",
    "ebitda_margin": "EBITDA margin",
    "cet1_ratio": "CET1 ratio",
    "rotce": "RoTCE",
    "roe": "ROE",
    "return_on_cet1": "return on CET1",
    "sga": "SG&A",
    "capex": "capital expenditures",
    "cost_income_ratio": "cost/income ratio",
}

# The keys whose figures are rates: a CET1 ratio is a percentage (its moves in basis points),
# never "$14 billion" of capital said in the same sentence. Every other key is an amount.
RATE_KEYS = frozenset(
    {
        "operating_margin",
        "gross_margin",
        "ebitda_margin",
        "same_store_sales",
        "effective_tax_rate",
        "net_interest_margin",
        "cet1_ratio",
        "rotce",
        "roe",
        "return_on_cet1",
        "cost_income_ratio",
    }
)
# Words a label may put before a metric's name and still mean that metric ("total revenues",
# "adjusted EBITDA"); any other word before it names a part ("system sales", "retail sales"),
# which keeps a key of its own.
METRIC_LEADING_WORDS: tuple[str, ...] = (
    "total",
    "net",
    "consolidated",
    "group",
    "company",
    "companywide",
    "overall",
    "reported",
    "quarterly",
    "annual",
    "full-year",
    "fiscal",
    "record",
    "adjusted",
    "non-gaap",
    "gaap",
    "core",
    "underlying",
    "diluted",
    "basic",
)
# Words after a metric's name that make it another measure ("operating income margin",
# "SG&A as a percentage of revenue"): such a label does not take the plain metric's key.
METRIC_CHANGING_WORDS: tuple[str, ...] = (
    "margin",
    "rate",
    "ratio",
    "percentage",
    "percent",
    "growth",
    "mix",
    "yield",
)
# A loss is the metric's negative value: "a net loss of $1.8 billion" is net income of
# -$1.8 billion in the ledger (its text stays as written).
LOSS_NAMES: dict[str, str] = {
    "net loss": "net_income",
    "net losses": "net_income",
    "net loss attributable": "net_income",
    "net loss per share": "eps",
    "loss per share": "eps",
    "net loss per diluted share": "eps",
    "loss per diluted share": "eps",
    "operating loss": "operating_income",
    "operating losses": "operating_income",
    "loss from operations": "operating_income",
}
# Words that alone never name a metric ("turning to slide", "sequentially"): a label of only
# these gets no key.
NOT_METRIC_WORDS: tuple[str, ...] = (
    "preliminary",
    "run",
    "slide",
    "slides",
    "page",
    "turning",
    "moving",
    "driven",
    "last",
    "past",
    "next",
    "sequentially",
    "spent",
    "total",
    "approximately",
    "roughly",
    "about",
    "around",
    "least",
    "year",
    "quarter",
    "period",
)


# Words that mark a figure as an expectation rather than a result (questions and sentences
# alike); "will be $1.2 billion" and "we see" are forward-looking too.
GUIDANCE_WORDS: tuple[str, ...] = (
    "guidance",
    "guide",
    "guiding",
    "guided",
    "outlook",
    "expect",
    "expects",
    "expected",
    "expecting",
    "anticipate",
    "anticipates",
    "anticipated",
    "forecast",
    "forecasts",
    "project",
    "projects",
    "projected",
    "projecting",
    "target",
    "targets",
    "targeting",
    "targeted",
    "we see",
    "now see",
    "estimate",
    "we estimate",
    "estimated to",
    "will be",
    "will result",
    "will come in",
    "will range",
    "aspire",
    "aspires",
    "aspiration",
)
GUIDANCE_RE = re.compile(
    r"\b(?:" + "|".join(re.escape(w) for w in GUIDANCE_WORDS) + r")\b|\bguid\w*", re.I
)


# Question words: what a question asks with, never what it asks about.
QUESTION_WORDS = frozenset(
    {
        "what",
        "how",
        "when",
        "why",
        "which",
        "who",
        "where",
        "much",
        "many",
        "did",
        "does",
        "was",
        "were",
        "is",
        "are",
        "the",
        "a",
        "an",
        "of",
        "in",
        "for",
        "to",
        "and",
        "on",
        "at",
        "by",
        "company",
        "their",
        "its",
        "it",
        "they",
        "we",
        "our",
        "do",
        "there",
        "has",
        "have",
        "about",
        "tell",
        "me",
        "say",
        "said",
        "give",
        "show",
        "amount",
        "figure",
        "number",
    }
)
# Words that say when, not what: a question's two-word term never includes one ("year over
# year", "full year", "fourth quarter" name no metric). In the form phrases.phrase_word
# leaves them (no plural "s").
CALENDAR_WORDS = frozenset(
    """year quarter month week day annual annually quarterly fiscal full half over yoy ended
    end period sequential sequentially first second third fourth last next prior current
    date today""".split()
)
# What is measured in money: an amount of these said without a currency ("sales of 712
# million") is in the document's currency.
MONEY_METRICS: tuple[str, ...] = (
    "sales",
    "revenue",
    "revenues",
    "income",
    "earnings",
    "profit",
    "loss",
    "ebitda",
    "cash",
    "charges",
    "costs",
    "expenses",
    "capex",
    "spending",
    "dividend",
    "proceeds",
    "debt",
    "liquidity",
)
MONEY_METRIC_TOKENS = frozenset(t for word in MONEY_METRICS for t in tokenize(word))

# The same words as the tokenizer leaves them, for sets of tokens ("figure" is "figur").
QUESTION_TOKENS = frozenset(t for word in QUESTION_WORDS for t in tokenize(word))

CJK_QUESTION_PAIRS = frozenset(
    "多少 是多 是什 什么 什麼 么的 的是 为什 為什 如何 怎么 怎麼 哪些 有多 了多 少?".split()
)
