"""Numbered SQL migrations of the PostgreSQL schema (see assistant.database)."""
