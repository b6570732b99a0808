"""HTTP helpers shared by the fake X and Graph APIs."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response


class Answer(Exception):
    """Raised by a handler to answer at once (an auth or validation failure)."""

    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response


class DroppedResponse:
    """Send the status line and headers, then hang up before the body.

    This is what a lost response looks like to a client: the server did the
    work, the client never learns the result (requests raises a
    ChunkedEncodingError / ConnectionError). uvicorn closes the connection
    when an app returns without completing its response.
    """

    status_code = 200

    async def __call__(self, scope, receive, send) -> None:
        await send({
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"512")],
        })


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


async def body_params(request: Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Form fields and uploaded files of a form, multipart or JSON body."""
    content_type = request.headers.get("content-type", "")
    fields: dict[str, Any] = {}
    files: dict[str, bytes] = {}
    if content_type.startswith("application/json"):
        raw = await request.body()
        try:
            loaded = json.loads(raw or b"{}")
        except ValueError:
            loaded = None
        if not isinstance(loaded, dict):
            raise Answer(json_response({"title": "Invalid Request", "detail": "Body is not a JSON object.",
                                        "type": "about:blank", "status": 400}, 400))
        return loaded, files
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form(max_part_size=20 * 1024 * 1024)
        for name, value in form.multi_items():
            if hasattr(value, "read"):
                files[name] = await value.read()
            else:
                fields[name] = value
    return fields, files
