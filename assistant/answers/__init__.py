"""Answers made from what search found: the Answer and its citations (answer_model), compose
and the quoted sentences (answer, quoting), guidance against results (delivery), a metric
across quarters (series, ledger), and the answer as it leaves the process (schema)."""
