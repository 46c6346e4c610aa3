"""The error summary every respondent form builds (survey.forms.FormErrors)."""

from __future__ import annotations

from survey.forms import FormErrors


def test_no_errors_is_falsy_and_ok() -> None:
    errors = FormErrors()
    assert not errors and errors.status == 200
    assert errors.summary == [] and errors.fields == {}


def test_summary_keeps_order_and_one_link_per_message() -> None:
    errors = FormErrors()
    errors.add("Choose a role", "#role-employee", "role")
    errors.add("Answer again", "#a-q1-1")
    errors.add("Answer again", "#a-q2-1")
    errors.add("Too long", "#c-c1", "c1")
    assert errors and errors.status == 400
    assert errors.summary == [
        {"href": "#role-employee", "text": "Choose a role"},
        {"href": "#a-q1-1", "text": "Answer again"},
        {"href": "#c-c1", "text": "Too long"},
    ]
    assert errors.fields == {"role": "Choose a role", "c1": "Too long"}
