"""Where the respondent tests' helpers used to live; they are in ``tests/support`` now.

Kept as names only, so a test module written against the old place still imports.
"""

from tests.support.factory import ROLES, close_round, invite, issue_links
from tests.support.forms import Browser, Form, Page, inline_code, parse

__all__ = [
    "ROLES",
    "Browser",
    "Form",
    "Page",
    "close_round",
    "inline_code",
    "invite",
    "issue_links",
    "parse",
]
