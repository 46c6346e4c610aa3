"""Errors of the read API as RFC 9457 problem details (``application/problem+json``).

A program reading the API needs a status, a stable title and a ``detail`` that names what was
wrong, in a body it can parse; an HTML error page or a stack trace would help neither it nor the
person debugging it. Messages are English, the one stable language of the API and its document.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, request
from werkzeug.exceptions import HTTPException

PROBLEM = "application/problem+json"

DETAILS = {
    400: "The request is not valid.",
    401: "The API token is missing, unknown, revoked or belongs to a disabled account.",
    404: "There is no such resource.",
    405: "The API is read-only: use GET.",
    429: "Too many requests from this address; wait a minute and try again.",
    500: "Something went wrong on the server; the error is logged (without your request's data).",
}


class ApiProblem(HTTPException):
    """An API error with its own detail (and, for a bad query parameter, the parameter's name)."""

    def __init__(self, code: int, detail: str, parameter: str | None = None) -> None:
        super().__init__(description=detail)
        self.code = code
        self.parameter = parameter


def bad_parameter(parameter: str, detail: str) -> ApiProblem:
    return ApiProblem(400, detail, parameter)


def problem(code: int, detail: str | None = None, **extra: Any) -> Response:
    """The problem response for ``code``; ``detail`` defaults to a fixed text per status."""
    from http import HTTPStatus

    try:
        title = HTTPStatus(code).phrase
    except ValueError:
        title = "Error"
    body = {
        "type": "about:blank",
        "title": title,
        "status": code,
        "detail": detail or DETAILS.get(code, title),
        **{k: v for k, v in extra.items() if v is not None},
    }
    response = Response(json.dumps(body, ensure_ascii=False), status=code, mimetype=PROBLEM)
    response.headers["Cache-Control"] = "no-store"
    if code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="mognad", error="invalid_token"'
    return response


def under_api() -> bool:
    """Whether this request is for the API (matched a route or not: /api/nothing is JSON too)."""
    return request.path == "/api" or request.path.startswith("/api/")


def from_exception(error: HTTPException) -> Response:
    """Any HTTP error raised under /api/ as a problem (Werkzeug's own texts are for HTML)."""
    code = error.code or 500
    if isinstance(error, ApiProblem):
        return problem(code, error.description, parameter=error.parameter)
    from survey.security import ControlCharacters, NotUtf8

    if isinstance(error, ControlCharacters):
        return problem(400, "A query parameter holds a control character (such as NUL).")
    if isinstance(error, NotUtf8):
        return problem(400, "A query parameter is not valid UTF-8 (percent-encoded bytes).")
    response = problem(code)
    for name, value in error.get_headers():
        if name.lower() == "allow":  # a 405 says which methods there are
            response.headers["Allow"] = value
    return response
