"""The metric vocabulary: one ledger key per metric whatever its name in a call, the
qualifiers that refine it, rates against amounts, and words that open, change or are never a
metric's name."""

from __future__ import annotations

from assistant.text.lexical import tokenize

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
    "organic": (
        "organic",
        "organically",
        "comparable",
        "comp",
        "same-store",
        "same store",
        "like-for-like",
    ),
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
