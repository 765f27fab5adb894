"""What a route needs, given by FastAPI's `Depends`: tests swap any of them through
`app.dependency_overrides`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assistant.api.state import Service
from assistant.service import Assistant
from assistant.settings import Settings


def get_service(request: Request) -> Service:
    return request.app.state.service


def get_assistant(service: Annotated[Service, Depends(get_service)]) -> Assistant:
    return service.assistant


def get_settings(service: Annotated[Service, Depends(get_service)]) -> Settings:
    return service.settings


ServiceDep = Annotated[Service, Depends(get_service)]
AssistantDep = Annotated[Assistant, Depends(get_assistant)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
