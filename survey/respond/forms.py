"""What a refused question page says: the messages for its answers and the comments kept.

Every respondent form (role choice, question pages, accessibility feedback) reports its
problems through the shared :class:`survey.forms.FormErrors`; this module says a question
page's refusals in its words. Nothing here touches the session or commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_babel import gettext as _

from survey.forms import FormErrors
from survey.i18n import tr
from survey.results.numbers import number
from survey.services import respond as service

QUESTION_IN_ERROR = 70  # characters of a statement quoted in an error message


def page_errors(current: service.Page, problems: list[service.FieldError]) -> FormErrors:
    """The messages for a question page's refused answers and comments."""
    items = {i.id: i for i in current.items}
    errors = FormErrors()
    for p in problems:
        if p.reason == "off_scale" and p.field in items:
            item = items[p.field]
            text = str(tr(item.text))
            if len(text) > QUESTION_IN_ERROR:
                text = text[: QUESTION_IN_ERROR - 1].rsplit(" ", 1)[0] + " …"
            scale = current.category.scale  # type: ignore[union-attr]  # items mean a category
            errors.add(
                _("Välj ett av svarsalternativen för ”%(question)s”", question=text),
                f"#a-{item.id}-{scale.min}",
                item.id,
            )
        elif p.reason == "too_long":
            errors.add(
                _(
                    "Kommentaren får vara högst %(max)s tecken",
                    max=number(service.MAX_COMMENT, 0),
                ),
                f"#c-{p.field}",
                p.field,
            )
        else:
            first = current.items[0] if current.items else None
            href = (
                # A page with items has a category.
                f"#a-{first.id}-{current.category.scale.min}"  # type: ignore[union-attr]
                if first
                else f"#c-{current.comments[0].id}"
            )
            errors.add(
                _(
                    "Svaret på en fråga som inte finns på den här sidan kunde inte tas emot. "
                    "Fyll i sidan och försök igen."
                ),
                href,
            )
    return errors


def kept_comments(
    problems: list[service.FieldError], form: Mapping[str, Sequence[str]]
) -> dict[str, str]:
    """Comments refused as too long, as sent: they go back into their box to be shortened there.

    Normalised as the service counts them, so the count under the box matches the rule.
    """
    kept = {}
    for p in problems:
        if p.reason == "too_long":
            texts = form.get(service.COMMENT_PREFIX + p.field, ())
            kept[p.field] = "\n".join(texts).replace("\r\n", "\n").strip()
    return kept
