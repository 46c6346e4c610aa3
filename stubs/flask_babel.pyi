"""The part of Flask-Babel 4 that Mognad uses, typed as its own annotations say.

Flask-Babel annotates its functions but ships no ``py.typed`` marker, so mypy would see every
translated string as ``Any``; this stub gives those annotations to mypy (``mypy_path``).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal

from babel.core import Locale
from flask import Flask

class LazyString:
    """A message translated when it is turned into text (``str()``, templates)."""

    def __html__(self) -> str: ...

class Babel:
    def __init__(self, app: Flask | None = None, **kwargs: object) -> None: ...
    def init_app(
        self,
        app: Flask,
        default_locale: str = "en",
        default_domain: str = "messages",
        default_translation_directories: str = "translations",
        default_timezone: str = "UTC",
        locale_selector: Callable[[], str | None] | None = None,
        timezone_selector: Callable[[], str | None] | None = None,
    ) -> None: ...

def gettext(string: str, **variables: object) -> str: ...
def lazy_gettext(string: str, **variables: object) -> LazyString: ...
def get_locale() -> Locale | None: ...
def refresh() -> None: ...
@contextmanager
def force_locale(locale: str | Locale) -> Iterator[None]: ...
def format_date(
    date: date | datetime | None = None, format: str | None = None, rebase: bool = True
) -> str: ...
def format_datetime(
    datetime: datetime | None = None, format: str | None = None, rebase: bool = True
) -> str: ...
def format_time(
    time: time | datetime | None = None, format: str | None = None, rebase: bool = True
) -> str: ...
def format_number(number: int | float | Decimal | str) -> str: ...
def format_decimal(number: int | float | Decimal | str, format: str | None = None) -> str: ...
