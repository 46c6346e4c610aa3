"""The audit log in words: what each recorded action means, and its detail keys, in the page's
language. The stored codes (``round.publish``, a plan's ``in_progress``) stay as they are, for
filters and exports; an action without a description here is shown as its code, so a new one is
never hidden, and a detail's value is shown in words where its event's words are known."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from survey.plans.forms import status_names


def N_(text: str) -> str:  # noqa: N802  (Babel's marker: extracted, translated when shown)
    return text


EVENTS: dict[str, str] = {
    "auth.failed": N_("Fel lösenord eller kod vid inloggning"),
    "auth.locked": N_("Kontot låstes tillfälligt efter för många försök"),
    "auth.password_changed": N_("Lösenordet byttes"),
    "auth.password_set": N_("Lösenord valt via inbjudningslänken"),
    "auth.recovery_code_used": N_("Inloggning med reservkod"),
    "auth.second_factor_enrolled": N_("App för engångskoder kopplad"),
    "auth.signed_in": N_("Inloggning"),
    "auth.signed_out": N_("Utloggning"),
    "comments.view": N_("Fritextkommentarer lästes"),
    "export.write": N_("Export för analys skapades"),
    "federation.import": N_("En annan organisations öppna data importerades"),
    "federation.remove": N_("En annan organisations öppna data togs bort"),
    "gaps.export": N_("Kompetensgap exporterades"),
    "invitations.send": N_("Inbjudningar skickades"),
    "reminders.send": N_("Påminnelser skickades"),
    "job.enqueue": N_("Jobb köat"),
    "job.queued": N_("Jobb köat"),
    "job.running": N_("Jobb startat"),
    "job.done": N_("Jobb klart"),
    "job.failed": N_("Jobb misslyckades"),
    "links.issue": N_("Länkar skapades"),
    "org.import": N_("Organisationen lästes in"),
    "org.remap": N_("Enhetskoder mappades om"),
    "plan.create": N_("Åtgärdsplan skapades"),
    "plan.edit": N_("Åtgärdsplan ändrades"),
    "plan.delete": N_("Åtgärdsplan togs bort"),
    "publish.files": N_("Publicerade filer skapades"),
    "questionnaire.upload": N_("Enkät laddades upp"),
    "report.write": N_("Rapport skapades"),
    "respondents.add": N_("Respondent lades till"),
    "respondents.edit": N_("Respondent ändrades"),
    "respondents.import": N_("Respondenter lästes in"),
    "respondents.remove": N_("Respondent togs bort"),
    "responses.import": N_("Svar importerades"),
    "results.view": N_("Resultat visades"),
    "round.create": N_("Omgång skapades"),
    "round.open": N_("Omgången öppnades"),
    "round.close": N_("Omgången stängdes"),
    "round.publish": N_("Omgången publicerades"),
    "round.purge": N_("Omgångens personuppgifter raderades"),
    "round.verify": N_("Kontroll av raderade uppgifter"),
    "round.texts": N_("Utskickstexter och datum ändrades"),
    "round.reminder_added": N_("Påminnelsedatum lades till"),
    "round.reminder_removed": N_("Påminnelsedatum togs bort"),
    "suggestions.edit": N_("Förbättringsförslag ändrades"),
    "suggestions.restore": N_("Förbättringsförslag återställdes"),
    "token.created": N_("API-nyckel skapades"),
    "token.revoked": N_("API-nyckel återkallades"),
    "user.created": N_("Personalkonto skapades och bjöds in"),
    "user.disabled": N_("Personalkonto stängdes av"),
    "user.enabled": N_("Personalkonto aktiverades igen"),
    "user.reset": N_("Ny inbjudan till personalkonto"),
    "user.role_changed": N_("Personalkontots roll ändrades"),
    "user.scope": N_("Personalkontots behörighet ändrades"),
    "user.units": N_("Personalkontots enheter ändrades"),
}

KEYS: dict[str, str] = {
    "round": N_("omgång"),
    "compare_round": N_("jämförd med"),
    "user": N_("konto"),
    "role": N_("roll"),
    "units": N_("enheter"),
    "unit": N_("enhet"),
    "kind": N_("sort"),
    "job": N_("jobb"),
    "count": N_("antal"),
    "file": N_("fil"),
    "year": N_("år"),
    "mode": N_("sätt att svara"),
    "k": N_("minsta gruppstorlek"),
    "on": N_("datum"),
    "method": N_("sätt"),
    "step": N_("steg"),
    "minutes": N_("minuter"),
    "failures": N_("försök"),
    "left": N_("kvar"),
    "name": N_("namn"),
    "sent": N_("skickade"),
    "failed": N_("misslyckade"),
    "skipped": N_("överhoppade"),
    "unknown": N_("okänt utfall"),
    "remaining": N_("kvar att skicka"),
    "texts": N_("texter"),
    "reminders": N_("påminnelsedatum"),
    "invitations": N_("inbjudningar"),
    "drafts": N_("utkast"),
    "status": N_("status"),
    "in_report": N_("i rapporten"),
}


def event_name(action: str) -> str:
    """What ``action`` means, or the code itself for one this list does not know."""
    name = EVENTS.get(action)
    return _(name) if name is not None else action


def value_words(action: str) -> dict[str, dict[str, str]]:
    """The words of ``action``'s stored codes per detail key: a plan's status as the plan's
    page says it ("pågår", not ``in_progress``)."""
    return {"status": status_names()} if action.startswith("plan.") else {}


def detail_lines(detail: dict[str, Any] | None, action: str = "") -> list[str]:
    """``key: value`` lines in words, lists joined with commas, in key order; an empty value
    (``compare_round: None``) reads "ingen", a yes/no "ja"/"nej", a known code its word."""
    lines = []
    words = value_words(action)
    for key in sorted(detail or {}):
        value = (detail or {})[key]
        if value is None or value == [] or value == "":
            value = _("ingen")
        elif isinstance(value, bool):
            value = _("ja") if value else _("nej")
        elif isinstance(value, str) and key in words:
            value = words[key].get(value, value)
        elif isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in sorted(value.items()))
        label = KEYS.get(key)
        lines.append(f"{_(label) if label is not None else key}: {value}")
    return lines
