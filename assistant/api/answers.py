"""Questions: `/v1/ask`, `/v1/search` and `/v1/chat` (JSON or server-sent events)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, HTTPException
from fastapi.responses import StreamingResponse

from assistant.answers.answer import Turn
from assistant.answers.schema import AnswerModel, answer_model
from assistant.api.dependencies import AssistantDep, ServiceDep, SettingsDep
from assistant.api.errors import V1_ERRORS
from assistant.api_models import (
    AskRequest,
    ChatRequest,
    HistoryItem,
    SearchModel,
    SearchRequest,
    search_result_model,
)
from assistant.errors import BadQuestion

router = APIRouter(prefix="/v1", tags=["answers"], responses=V1_ERRORS)


def turn_of(item: HistoryItem | str) -> Turn:
    """An earlier question, given as its text or as an object with its filters."""
    if isinstance(item, str):
        return Turn(item, None)
    filters = item.filters.model_dump(exclude_none=True) if item.filters else None
    return Turn(item.question, filters)


@router.post("/ask")
async def ask(body: AskRequest, service: ServiceDep, assistant: AssistantDep) -> AnswerModel:
    """Answer one question: quoted sentences with [n] markers, figures, citations.
    `history` holds earlier questions, as strings or as objects with their filters."""
    history = [turn_of(h) for h in body.history]
    filters = body.filters.to_filters() if body.filters else None
    result = await service.run(assistant.ask, body.question, body.top_k, filters, history)
    return answer_model(result)


@router.post("/search")
async def search(body: SearchRequest, service: ServiceDep, assistant: AssistantDep) -> SearchModel:
    """The passages and table rows that best match a question, without an answer."""
    filters = body.filters.to_filters() if body.filters else None
    results = await service.run(assistant.search, body.question, body.top_k, filters)
    return SearchModel(
        question=body.question,
        results=[search_result_model(n, r) for n, r in enumerate(results, start=1)],
    )


@router.post("/chat", response_model=AnswerModel)
async def chat(
    body: ChatRequest, service: ServiceDep, assistant: AssistantDep, settings: SettingsDep
):
    """Answer the last user message of a conversation; earlier user messages are its
    history. With `"stream": true` the answer comes as server-sent events."""
    users = [m.content for m in body.messages if m.role == "user"]
    if not users or body.messages[-1].role != "user":
        raise HTTPException(422, "the last message must come from the user")
    question = users[-1]
    if len(question) > settings.max_question_chars:
        raise BadQuestion(
            f"the question is {len(question):,} characters; the limit is "
            f"{settings.max_question_chars:,}"
        )
    filters = body.filters.to_filters() if body.filters else None
    history = [Turn(q, None) for q in users[:-1]]
    result = await service.run(assistant.ask, question, body.top_k, filters, history)
    model = answer_model(result)
    if not body.stream:
        return model
    return StreamingResponse(
        sse(model), media_type="text/event-stream", headers={"cache-control": "no-cache"}
    )


def sse(model: AnswerModel) -> Iterator[str]:
    """The answer sentence by sentence (`delta`), then the whole answer object (`answer`)."""
    pieces = [p for p in model.answer.replace("] ", "]\n").split("\n") if p]
    for piece in pieces:
        yield f"event: delta\ndata: {json.dumps({'text': piece}, ensure_ascii=False)}\n\n"
    yield f"event: answer\ndata: {model.model_dump_json()}\n\n"
    yield "event: done\ndata: {}\n\n"
