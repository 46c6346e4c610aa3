"""What a refused form says: a message beside each field and the error summary above the form.

Every form of the app, the respondent's and the staff's, reports its problems through
:class:`FormErrors`, so the summary always has the same shape: one link per distinct message,
in the order found, pointing at the control to fix (GOV.UK's pattern, which
``_macros/forms.html`` renders). It lives beside the blueprints, not in one of them, because
every blueprint uses it, and so does :func:`form_page`, the one way a form page hands its
errors to its template. Nothing here touches the session or commits.
"""

from __future__ import annotations

from typing import Any

from flask import render_template


class FormErrors:
    """The problems of one posted form; falsy when there are none."""

    def __init__(self) -> None:
        self.summary: list[dict[str, str]] = []  # {"href": "#control", "text": message}
        self.fields: dict[str, str] = {}  # field → the message shown beside it

    def add(self, message: str, href: str, field: str | None = None) -> None:
        """One problem: ``href`` is the control the summary links to; ``field`` gets the message
        beside it (None for a problem no single field can show)."""
        if field is not None:
            self.fields[field] = message
        if not any(e["text"] == message for e in self.summary):
            self.summary.append({"href": href, "text": message})

    def __bool__(self) -> bool:
        return bool(self.summary)

    @property
    def status(self) -> int:
        """The HTTP status of the page that shows the form again."""
        return 400 if self else 200


def form_page(template: str, errors: FormErrors, **context: Any) -> tuple[str, int]:
    """A form's page, shown again with its problems, and its status (400 when it has any).

    Every form template reads the problems under the same two names, ``errors`` (the summary,
    ``_macros/forms.html``) and ``field_errors`` (the message beside each field).
    """
    page = render_template(template, errors=errors.summary, field_errors=errors.fields, **context)
    return page, errors.status
