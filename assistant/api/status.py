"""The service itself: liveness, readiness, metrics, and what the page needs to know."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from assistant.api.dependencies import ServiceDep
from assistant.api.documents import UPLOAD_SUFFIXES
from assistant.api.errors import documented, error_response
from assistant.http_guard import token_matches

router = APIRouter(tags=["service"])


class ConfigModel(BaseModel):
    """What a client needs before its first request; open without a token."""

    token_required: bool = Field(description="Whether /v1 needs a bearer token.")
    max_question_chars: int
    max_upload_mb: int
    upload_types: list[str]


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", responses=documented(503))
async def readyz(request: Request, service: ServiceDep) -> dict[str, str | int]:
    """The model is loaded and the index answers. Open without a token; the counts of
    documents and chunks only with it (when one is set)."""
    assistant, settings = service.assistant, service.settings
    if not service.ready or not await service.run(assistant.has_index):
        return error_response(request, 503, "not ready")  # type: ignore[return-value]
    if not service.board.alive:
        return error_response(  # type: ignore[return-value]
            request, 503, "the indexer has stopped: uploads are not being indexed"
        )
    backend = "postgresql" if settings.database_url else "files"
    token = settings.api_token
    if token and not token_matches(request.headers.get("authorization", ""), token):
        return {"status": "ready"}
    store = assistant.store
    return {
        "status": "ready",
        "backend": backend,
        "documents": len(store.documents),
        "chunks": len(store.chunks),
    }


@router.get("/metrics", response_class=Response)
async def metrics_text(request: Request) -> Response:
    """Request counts and latency histograms in Prometheus' text format."""
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/v1/config")
async def config(service: ServiceDep) -> ConfigModel:
    """Whether a token is needed and the limits a client should respect."""
    settings = service.settings
    return ConfigModel(
        token_required=bool(settings.api_token),
        max_question_chars=settings.max_question_chars,
        max_upload_mb=settings.max_upload_bytes // (1024 * 1024),
        upload_types=sorted(UPLOAD_SUFFIXES),
    )
