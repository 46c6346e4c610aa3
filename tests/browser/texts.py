"""The respondent pages' visible texts in Swedish and English (the contract the tests hold)."""

from __future__ import annotations

TEXTS = {
    "sv": {
        "start": "Starta enkäten",
        "role_legend": "Vilken roll har du?",
        "unit_legend": "Vilken enhet arbetar du i?",
        "continue": "Fortsätt",
        "roles": {"employee": "Medarbetare", "manager": "Chef", "specialist": "Specialist"},
        "progress": "Sida {n} av {total}",
        "next": "Nästa",
        "back": "Tillbaka",
        "dont_know": "Vet ej",
        "review": "Granska dina svar",
        "submit": "Skicka in svaren",
        "thanks": "Tack för dina svar!",
        "problem": "Det finns ett problem",
        "switch": "English",
        "closed": "Enkäten är stängd",
        "unknown": "Länken fungerar inte",
        "used": "Du har redan svarat",
        "statement": "Tillgänglighetsredogörelse",
    },
    "en": {
        "start": "Start the survey",
        "role_legend": "What is your role?",
        "unit_legend": "Which unit do you work in?",
        "continue": "Continue",
        "roles": {"employee": "Employee", "manager": "Manager", "specialist": "Specialist"},
        "progress": "Page {n} of {total}",
        "next": "Next",
        "back": "Back",
        "dont_know": "Don't know",
        "review": "Check your answers",
        "submit": "Submit answers",
        "thanks": "Thank you for your answers!",
        "problem": "There is a problem",
        "switch": "Svenska",
        "closed": "The survey is closed",
        "unknown": "This link does not work",
        "used": "You have already answered",
        "statement": "Accessibility statement",
    },
}
SV = TEXTS["sv"]
EN = TEXTS["en"]
