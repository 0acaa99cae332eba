"""Reading a Bot API call's parameters from an HTTP request, as Telegram accepts them:
query string, application/json, application/x-www-form-urlencoded, multipart/form-data."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from trt_actors.emulators.telegram._multipart import (
    MultipartError,
    UploadedFile,
    boundary_of,
    parse_multipart,
)
from trt_actors.web import Request


class BodyError(ValueError):
    """The request body cannot be read as parameters."""


@dataclass(slots=True)
class CallParams:
    """Raw parameters of one call. `json_keys` came as JSON values, the rest as strings."""

    params: dict[str, Any] = field(default_factory=dict)
    uploads: dict[str, UploadedFile] = field(default_factory=dict)
    json_keys: frozenset[str] = frozenset()


def read_params(request: Request) -> CallParams:
    """Parameters of the call in `request` (query first, then the body); raises BodyError."""
    call = CallParams(params=dict(request.query_items))
    if not request.body:
        return call
    kind = request.content_type
    if kind == "application/json":
        _read_json(request.body, call)
    elif kind == "application/x-www-form-urlencoded":
        try:
            text = request.body.decode()
        except UnicodeDecodeError as exc:
            raise BodyError("request body is not valid UTF-8") from exc
        call.params.update(parse_qsl(text, keep_blank_values=True))
    elif kind == "multipart/form-data":
        _read_multipart(request, call)
    else:
        raise BodyError(f"unsupported Content-Type {kind or '(none)'}")
    return call


def _read_json(body: bytes, call: CallParams) -> None:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BodyError("can't parse JSON body") from exc
    if not isinstance(data, dict):
        raise BodyError("JSON body must be an object")
    call.params.update(data)
    call.json_keys = frozenset(data)


def _read_multipart(request: Request, call: CallParams) -> None:
    try:
        parts = parse_multipart(request.body, boundary_of(request.headers["content-type"]))
    except MultipartError as exc:
        raise BodyError(f"can't parse multipart body: {exc}") from exc
    for part in parts:
        if part.filename is None:
            try:
                call.params[part.name] = part.data.decode()
            except UnicodeDecodeError as exc:
                raise BodyError(f"field {part.name} is not valid UTF-8") from exc
        else:
            upload = UploadedFile(part.name, part.filename, part.content_type, part.data)
            call.uploads[part.name] = upload
            call.params[part.name] = upload
