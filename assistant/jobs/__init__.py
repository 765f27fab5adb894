"""Durable upload jobs: in the index folder (jobs) or in PostgreSQL (jobs_db), one indexing
worker each, resumed on start."""
