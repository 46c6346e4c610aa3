"""The audit log in words: what each recorded action means, and its detail keys, in the page's
language. The stored codes (``round.publish``) stay as they are, for filters and exports; an
action without a description here is shown as its code, so a new one is never hidden."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as L

EVENTS: dict[str, Any] = {
    "auth.failed": L("Fel lösenord eller kod vid inloggning"),
    "auth.locked": L("Kontot låstes tillfälligt efter för många försök"),
    "auth.password_changed": L("Lösenordet byttes"),
    "auth.password_set": L("Lösenord valt via inbjudningslänken"),
    "auth.recovery_code_used": L("Inloggning med reservkod"),
    "auth.second_factor_enrolled": L("App för engångskoder kopplad"),
    "auth.signed_in": L("Inloggning"),
    "auth.signed_out": L("Utloggning"),
    "comments.view": L("Fritextkommentarer lästes"),
    "export.write": L("Export för analys skapades"),
    "gaps.export": L("Kompetensgap exporterades"),
    "invitations.send": L("Inbjudningar skickades"),
    "reminders.send": L("Påminnelser skickades"),
    "job.enqueue": L("Jobb köat"),
    "job.queued": L("Jobb köat"),
    "job.running": L("Jobb startat"),
    "job.done": L("Jobb klart"),
    "job.failed": L("Jobb misslyckades"),
    "links.issue": L("Länkar skapades"),
    "org.import": L("Organisationen lästes in"),
    "org.remap": L("Enhetskoder mappades om"),
    "publish.files": L("Publicerade filer skapades"),
    "questionnaire.upload": L("Enkät laddades upp"),
    "report.write": L("Rapport skapades"),
    "respondents.add": L("Respondent lades till"),
    "respondents.edit": L("Respondent ändrades"),
    "respondents.import": L("Respondenter lästes in"),
    "respondents.remove": L("Respondent togs bort"),
    "responses.import": L("Svar importerades"),
    "results.view": L("Resultat visades"),
    "round.create": L("Omgång skapades"),
    "round.open": L("Omgången öppnades"),
    "round.close": L("Omgången stängdes"),
    "round.publish": L("Omgången publicerades"),
    "round.purge": L("Omgångens personuppgifter raderades"),
    "round.verify": L("Kontroll av raderade uppgifter"),
    "round.texts": L("Utskickstexter och datum ändrades"),
    "round.reminder_added": L("Påminnelsedatum lades till"),
    "round.reminder_removed": L("Påminnelsedatum togs bort"),
    "suggestions.edit": L("Förbättringsförslag ändrades"),
    "suggestions.restore": L("Förbättringsförslag återställdes"),
    "token.created": L("API-nyckel skapades"),
    "token.revoked": L("API-nyckel återkallades"),
    "user.created": L("Personalkonto skapades och bjöds in"),
    "user.disabled": L("Personalkonto stängdes av"),
    "user.enabled": L("Personalkonto aktiverades igen"),
    "user.reset": L("Ny inbjudan till personalkonto"),
    "user.role_changed": L("Personalkontots roll ändrades"),
    "user.scope": L("Personalkontots behörighet ändrades"),
    "user.units": L("Personalkontots enheter ändrades"),
}

KEYS: dict[str, Any] = {
    "round": L("omgång"),
    "compare_round": L("jämförd med"),
    "user": L("konto"),
    "role": L("roll"),
    "units": L("enheter"),
    "unit": L("enhet"),
    "kind": L("sort"),
    "job": L("jobb"),
    "count": L("antal"),
    "file": L("fil"),
    "year": L("år"),
    "mode": L("sätt att svara"),
    "k": L("minsta gruppstorlek"),
    "on": L("datum"),
    "method": L("sätt"),
    "step": L("steg"),
    "minutes": L("minuter"),
    "failures": L("försök"),
    "left": L("kvar"),
    "name": L("namn"),
    "sent": L("skickade"),
    "failed": L("misslyckade"),
    "skipped": L("överhoppade"),
    "unknown": L("okänt utfall"),
    "remaining": L("kvar att skicka"),
    "texts": L("texter"),
    "reminders": L("påminnelsedatum"),
    "invitations": L("inbjudningar"),
    "drafts": L("utkast"),
}


def event_name(action: str) -> str:
    """What ``action`` means, or the code itself for one this list does not know."""
    name = EVENTS.get(action)
    return str(name) if name is not None else action


def detail_lines(detail: dict[str, Any] | None) -> list[str]:
    """``key: value`` lines in words, lists joined with commas, in key order; an empty value
    (``compare_round: None``) reads "ingen"."""
    lines = []
    for key in sorted(detail or {}):
        value = (detail or {})[key]
        if value is None or value == [] or value == "":
            value = _("ingen")
        elif isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in sorted(value.items()))
        label = KEYS.get(key)
        lines.append(f"{label if label is not None else key}: {value}")
    return lines
