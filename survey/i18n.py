"""Languages: which one a request uses, and the helpers every page needs to speak it.

Interface texts go through Flask-Babel (``_()``); questionnaire texts are ``{"sv": …, "en": …}``
dicts inside the questionnaire itself, so they are picked here with :func:`tr`. Swedish is the
fallback everywhere, because it is the language every questionnaire must have.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from flask import current_app, has_app_context, has_request_context, request, session
from flask_babel import force_locale, format_date, get_locale
from flask_babel import gettext as _

from analysis.errors import Problem, Text
from analysis.roles import ROLES, Role

FALLBACK = "sv"
# Day month year in every language: "27 november 2026", "27 November 2026". Babel's "long"
# format would give the American "November 27, 2026" in English.
DAY_MONTH_YEAR = "d MMMM y"


def app_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """Flask-Babel's locale selector: ``?lang=``, then the remembered choice, then the default."""
    languages = app_languages()
    lang = request.args.get("lang") or session.get("lang")
    return lang if lang in languages else languages[0]


def page_lang() -> str:
    return str(get_locale() or FALLBACK)


def tr(text: dict[str, Any] | None, lang: str | None = None) -> Any:
    """A questionnaire text in the page's language (Swedish if it lacks a translation)."""
    if not text:
        return ""
    return text.get(lang or page_lang()) or text.get(FALLBACK) or next(iter(text.values()))


def tr_lang(text: dict[str, Any] | None, lang: str | None = None) -> str | None:
    """The language of tr(text) when it differs from the page's (for a lang attribute)."""
    if not text or text.get(lang or page_lang()):
        return None
    return FALLBACK if text.get(FALLBACK) else next(iter(text))


def role_name(role: str) -> str:
    names: dict[str, str] = {
        Role.EMPLOYEE: _("Medarbetare"),
        Role.MANAGER: _("Chef"),
        Role.SPECIALIST: _("Specialist"),
    }
    return names.get(role, role)


def role_hint(role: str) -> str:
    """Who counts as the role, as the role page explains it."""
    hints: dict[str, str] = {
        Role.EMPLOYEE: _("Du arbetar i verksamheten utan personalansvar."),
        Role.MANAGER: _("Du har personal- eller verksamhetsansvar."),
        Role.SPECIALIST: _("Du arbetar med it, digitalisering eller verksamhetsutveckling."),
    }
    return hints.get(role, "")


def localise(message: Problem | Text | str) -> str:
    """A service's or the library's message in the reader's language (Swedish by default).

    Outside a request (the command line) Flask-Babel answers in the default language, and
    without any app it returns the Swedish source unchanged.
    """
    if not isinstance(message, (Problem, Text)):
        return str(message)
    if has_request_context():
        return message.render(_)
    if has_app_context():  # the locale selector reads the request: name the language instead
        with force_locale(app_languages()[0]):
            return message.render(_)
    return str(message)


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Translations, dates and templates in ``lang`` for the block, whatever the page's language
    (a mail speaks its reader's language). The services use this, not Flask-Babel, so that
    they import no Flask."""
    with force_locale(lang):
        yield


def in_language(message: Text, lang: str) -> str:
    """A service's message in ``lang`` (the Swedish source outside any app)."""
    with force_locale(lang):
        return message.render(_)


def day_month_year(day: date, lang: str) -> str:
    """``day`` as every page and mail writes a date, in ``lang`` (:data:`DAY_MONTH_YEAR`)."""
    with force_locale(lang):
        return format_date(day, format=DAY_MONTH_YEAR)


def long_date() -> str:
    """Today as the receipt writes it."""
    return format_date(format=DAY_MONTH_YEAR)


def template_helpers() -> dict[str, Any]:
    """For a blueprint's context processor: what the templates call to speak the page's language."""
    lang = page_lang()
    return {
        "tr": lambda text: tr(text, lang),
        "tr_lang": lambda text: tr_lang(text, lang),
        "role_name": role_name,
        "role_hint": role_hint,
        "ROLES": ROLES,
        "localise": localise,
    }
