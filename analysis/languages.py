"""The languages Mognad speaks: every questionnaire text has them, and so does the interface.

One definition, read by the instrument check, the suggestions and level texts, the mail texts,
the report and the app's settings. Swedish comes first: it is the default and the fallback.
"""

from __future__ import annotations

LANGUAGES: tuple[str, ...] = ("sv", "en")
