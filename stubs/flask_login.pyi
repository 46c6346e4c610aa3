"""The part of Flask-Login 0.6 that Mognad uses (Flask-Login ships no types).

``current_user`` stays ``Any``: it is a proxy that stands for a :class:`~survey.models.User` or an
anonymous visitor, and the callers check ``is_authenticated`` before using it as either.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import Flask
from werkzeug.wrappers import Response

_F = TypeVar("_F", bound=Callable[..., Any])
_L = TypeVar("_L", bound=Callable[[str], Any])

current_user: Any

class UserMixin:
    @property
    def is_active(self) -> bool: ...
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_anonymous(self) -> bool: ...
    def get_id(self) -> str | None: ...

class AnonymousUserMixin:
    """The visitor who has not signed in (Mognad only ever asks whether one is signed in)."""

    @property
    def is_authenticated(self) -> bool: ...

class LoginManager:
    login_view: str | None
    login_message: str | None
    def __init__(self, app: Flask | None = None, add_context_processor: bool = True) -> None: ...
    def init_app(self, app: Flask, add_context_processor: bool = True) -> None: ...
    def user_loader(self, callback: _L) -> _L: ...
    def unauthorized(self) -> Response: ...

def login_user(
    user: UserMixin,
    remember: bool = False,
    duration: timedelta | None = None,
    force: bool = False,
    fresh: bool = True,
) -> bool: ...
def logout_user() -> bool: ...
def login_required(func: _F) -> _F: ...
