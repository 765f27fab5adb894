"""Words around company names: legal suffixes dropped when names are compared, words that are
never a company, and finance acronyms that are not tickers."""

from __future__ import annotations

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
