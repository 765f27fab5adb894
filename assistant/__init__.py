"""Earnings-call Q&A assistant: cited answers and structured figures from calls and filings."""

__version__ = "0.1.0"
