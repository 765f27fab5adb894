"""An analyst's question and the answer it got: the first passages of management's reply in
the same exchange, which follow a matching question and score nearly as well as it."""

from __future__ import annotations

import numpy as np

from assistant.library import Store
from assistant.search.fusion import Hit


def inherit_question_scores(
    store: Store, pool: np.ndarray, position: dict[int, int], fused: np.ndarray, factor: float
) -> None:
    """A reply is nearly as good an answer as its question is a match: the passages of the
    reply to an analyst's question score at least `factor` of what it scored."""
    for i, row in enumerate(pool):
        for reply in replies_to(store, int(row)):
            j = position.get(reply)
            if j is not None:
                fused[j] = max(fused[j], factor * fused[i])


def with_replies(
    store: Store, hits: list[Hit], allowed: np.ndarray | None, top_k: int
) -> list[Hit]:
    """An analyst's question that matches is followed by the answer it got: the reply
    (the next passage of the same exchange) comes right after it."""
    out: list[Hit] = []
    rows = {h.row for h in hits}
    allowed_rows = None if allowed is None else set(allowed.tolist())
    for hit in hits:
        out.append(hit)
        reply = reply_to(store, hit.row)
        if (
            reply is not None
            and reply not in rows
            and (allowed_rows is None or reply in allowed_rows)
        ):
            rows.add(reply)
            out.append(
                Hit(
                    row=reply,
                    score=hit.score,
                    dense_rank=None,
                    lexical_rank=None,
                    dense_score=None,
                    lexical_score=0.0,
                )
            )
    return out[:top_k]


def reply_to(store: Store, row: int) -> int | None:
    replies = replies_to(store, row)
    return replies[0] if replies else None


def replies_to(store: Store, row: int, limit: int = 2) -> list[int]:
    """The first passages of management's answer to an analyst's question (same
    exchange), skipping the rest of the question."""
    chunks = store.chunks
    asked = chunks[row]
    out: list[int] = []
    if asked.role != "analyst":
        return out
    for k in range(row + 1, min(len(chunks), row + 1 + limit + 2)):
        chunk = chunks[k]
        if chunk.doc_id != asked.doc_id or chunk.exchange != asked.exchange:
            break
        if chunk.role == "analyst":
            if out:
                break
            continue
        if chunk.role != "operator" and chunk.speaker:
            out.append(k)
            if len(out) == limit:
                break
    return out
