"""Staff accounts (administrators, HR analysts, unit managers); respondents never log in."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from survey.extensions import db
from survey.models.enums import UserRole, check_in, values

USER_ROLES = values(UserRole)


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(check_in("role", UserRole), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="admin")
    unit_code: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_token: Mapped[str | None] = mapped_column(String(64), unique=True)
