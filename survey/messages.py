"""The services' refusals in the staff member's language.

The services raise their errors in English with the terminal's hints (``mognad round close …``),
because the command line and the logs use them. A staff page shows the same refusal in the
page's language instead: each known message is recognised by its pattern and told anew, without
the command-line hint. A message no pattern knows is shown as it is (never hidden), and the test
of this module names every refusal a staff form can meet, so a new one is noticed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _


def _status(status: str) -> str:
    return {
        "draft": _("ett utkast"),
        "open": _("öppen"),
        "closed": _("stängd"),
        "published": _("publicerad"),
    }.get(status, status)


def _not_finished(m: re.Match[str]) -> str:
    return _(
        "Omgången %(name)s är %(status)s. Resultat, exporter och rapporter görs bara av en "
        "stängd eller publicerad omgång, så att de inte kan ändras mellan två uttag. Stäng "
        "omgången när fältarbetet är klart.",
        name=m["name"], status=_status(m["status"]),
    )  # fmt: skip


PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(
            r"^round '(?P<name>.+?)' was not published, it stays closed: (?P<reason>.+)$", re.S
        ),
        lambda m: _(
            "Omgången %(name)s publicerades inte och är fortfarande stängd: %(reason)s",
            name=m["name"],
            reason=staff_message(m["reason"]),
        ),  # fmt: skip
    ),
    (
        re.compile(
            r"^its report could not be made \((?P<error>\w+); the server log has the details\)"
        ),  # fmt: skip
        lambda m: _(
            "rapporten kunde inte göras (%(error)s); serverns logg har detaljerna",
            error=m["error"],
        ),  # fmt: skip
    ),
    (
        re.compile(r"(?:^|: )cannot write the report \((?P<reason>.*)\)$", re.S),
        lambda m: _("rapporten kunde inte skrivas (%(reason)s)", reason=m["reason"]),
    ),
    (
        re.compile(r"(?:^|: )cannot write the export \((?P<reason>.*)\)$", re.S),
        lambda m: _("exporten kunde inte skrivas (%(reason)s)", reason=m["reason"]),
    ),
    (
        re.compile(r"^round '(?P<name>.+?)' has no respondents yet"),
        lambda m: _(
            "Omgången %(name)s har inga respondenter ännu. Läs in respondenterna först.",
            name=m["name"],
        ),  # fmt: skip
    ),
    (
        re.compile(r"(?:^|: )a token needs a name"),
        lambda m: _("Skriv vad nyckeln ska användas till."),
    ),
    (
        re.compile(r"(?:^|: )a token's name has at most (?P<max>\d+) characters, got (?P<got>\d+)"),
        lambda m: _(
            "Namnet får vara högst %(max)s tecken långt; det här har %(got)s.",
            max=m["max"],
            got=m["got"],
        ),  # fmt: skip
    ),
    (
        re.compile(r"^round '(?P<name>.+?)' is (?P<status>\w+); only a closed round is previewed"),
        lambda m: _(
            "Omgången %(name)s är %(status)s. Bara en stängd omgång kan förhandsgranskas.",
            name=m["name"],
            status=_status(m["status"]),
        ),  # fmt: skip
    ),
    (
        re.compile(r"^round '(?P<name>.+?)' cannot be exported: (?P<reason>.+)$", re.S),
        lambda m: _(
            "Omgången %(name)s kan inte exporteras: %(reason)s",
            name=m["name"],
            reason=staff_message(m["reason"]),
        ),  # fmt: skip
    ),
    (
        re.compile(
            r"^(?:round|comparison round) '(?P<name>.+?)' is (?P<status>\w+); results are "
            r"only made from a closed or published round"
        ),  # fmt: skip
        _not_finished,
    ),
    (
        re.compile(r"^round '(?P<name>.+?)' is already (?P<status>\w+)$"),
        lambda m: _(
            "Omgången %(name)s är redan %(status)s.", name=m["name"], status=_status(m["status"])
        ),  # fmt: skip
    ),
    (
        re.compile(
            r"^round '(?P<name>.+?)' is (?P<status>\w+) and cannot be moved to "
            r"(?P<target>\w+)"
        ),  # fmt: skip
        lambda m: _(
            "Omgången %(name)s är %(status)s och kan inte bli %(target)s.",
            name=m["name"],
            status=_status(m["status"]),
            target=_status(m["target"]),
        ),  # fmt: skip
    ),
    (
        re.compile(r"^round '(?P<name>.+?)' was changed at the same time"),
        lambda m: _(
            "Omgången %(name)s ändrades samtidigt av någon annan, så ingenting gjordes. "
            "Ladda om sidan och försök igen.",
            name=m["name"],
        ),  # fmt: skip
    ),
    (
        re.compile(
            r"^round '(?P<name>.+?)' is (?P<status>\w+); only a closed or published "
            r"round can be purged"
        ),  # fmt: skip
        lambda m: _(
            "Omgången %(name)s är %(status)s. Bara en stängd eller publicerad omgång "
            "kan rensas från personuppgifter.",
            name=m["name"],
            status=_status(m["status"]),
        ),  # fmt: skip
    ),
    (
        re.compile(r"^round '(?P<name>.+?)' is an open-link round"),
        lambda m: _(
            "Omgången %(name)s har öppna enhetslänkar och inga personliga inbjudningar "
            "att skicka. Dela ut enhetslänkarna i stället.",
            name=m["name"],
        ),  # fmt: skip
    ),
    (
        re.compile(
            r"^round '(?P<name>.+?)' is (?P<status>\w+); invitations and reminders can "
            r"only be sent while a round is open"
        ),  # fmt: skip
        lambda m: _(
            "Inbjudningar och påminnelser kan bara skickas medan omgången är öppen. "
            "Omgången %(name)s är %(status)s.",
            name=m["name"],
            status=_status(m["status"]),
        ),  # fmt: skip
    ),
    (
        re.compile(r"^round '(?P<name>.+?)' is (?P<status>\w+); comments can be read once"),
        lambda m: _(
            "Kommentarerna kan läsas när omgången är stängd. Omgången %(name)s är %(status)s.",
            name=m["name"],
            status=_status(m["status"]),
        ),  # fmt: skip
    ),
    (
        re.compile(r"^round '(?P<name>.+?)' is (?P<status>\w+); links can only be issued"),
        lambda m: _(
            "Länkar kan bara delas ut medan omgången är ett utkast eller öppen. "
            "Omgången %(name)s är %(status)s.",
            name=m["name"],
            status=_status(m["status"]),
        ),  # fmt: skip
    ),
    (
        re.compile(r"^a round named '(?P<name>.+?)' already exists"),
        lambda m: _("Det finns redan en omgång som heter %(name)s.", name=m["name"]),
    ),
    (
        re.compile(
            r"^a minimum group size of (?P<k>\d+) is too small; it must be at least "
            r"(?P<floor>\d+)"
        ),  # fmt: skip
        lambda m: _(
            "Minsta gruppstorlek %(k)s är för liten; den måste vara minst %(floor)s.",
            k=m["k"],
            floor=m["floor"],
        ),  # fmt: skip
    ),
    (
        re.compile(r"^there is no organisation tree for (?P<year>\d+)"),
        lambda m: _(
            "Det finns ingen organisation för %(year)s. Läs in organisationen för året först.",
            year=m["year"],
        ),  # fmt: skip
    ),
    (
        re.compile(r"^a round cannot be compared with itself"),
        lambda m: _("En omgång kan inte jämföras med sig själv."),
    ),
    (
        re.compile(r"^round '(?P<other>.+?)' \((?P<year>\d+)\) is later than '(?P<name>.+?)'"),
        lambda m: _(
            "Omgången %(other)s (%(year)s) är senare än %(name)s; jämför bara med en "
            "tidigare omgång.",
            other=m["other"],
            year=m["year"],
            name=m["name"],
        ),  # fmt: skip
    ),
    (
        re.compile(r"^(?P<email>\S+) is disabled; a token of theirs would never work"),
        lambda m: _(
            "Kontot %(email)s är avstängt; en nyckel till det skulle aldrig fungera.",
            email=m["email"],
        ),  # fmt: skip
    ),
    (
        re.compile(r"^API token (?P<id>\d+) \('(?P<name>.*)'\) is already revoked"),
        lambda m: _("API-nyckeln %(name)s är redan återkallad.", name=m["name"]),
    ),
)


def staff_message(error: BaseException | str) -> str:
    """The refusal ``error`` in the page's language (as it is if no pattern knows it)."""
    text = str(error)
    for pattern, tell in PATTERNS:
        match = pattern.search(text)
        if match:
            return tell(match)
    return text
