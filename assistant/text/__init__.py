"""Text helpers every stage shares: periods (the only place a period is parsed or compared)
and the tokenizer and BM25 (lexical)."""
