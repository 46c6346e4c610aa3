"""Anonymous feedback on the accessibility of the respondent pages.

Nothing identifies the sender: no IP address, no account, and only the day it arrived.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from survey.extensions import Model
from survey.models.responses import random_id


def today() -> date:
    return date.today()


class AccessibilityFeedback(Model):
    __tablename__ = "accessibility_feedback"
    __table_args__ = (CheckConstraint("length(message) > 0", name="message_not_empty"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    received_on: Mapped[date] = mapped_column(Date, default=today, index=True)
    page: Mapped[str | None] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8), default="sv")
