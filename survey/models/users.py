"""Staff accounts (administrators, HR analysts, unit managers); respondents never log in.

Every secret an account has is stored so that a copy of the database does not let anyone sign
in: the password as an argon2id hash, the one-time set-up token and the recovery codes as
SHA-256 hashes (they are long random strings, so a fast hash suffices). The TOTP secret has to be
readable to check a code; it is kept encrypted under a key derived from the installation secret.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.extensions import Model
from survey.models.enums import UserRole, check_in, values

USER_ROLES = values(UserRole)


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(check_in("role", UserRole), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # Empty until the person has used their set-up link (no password then matches).
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default=UserRole.ADMIN.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Flask-Login's id for the session: rotating it (sign-out, disable, new password) logs the
    # account out everywhere.
    session_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    totp_secret: Mapped[str | None] = mapped_column(String(200))
    totp_enrolled: Mapped[bool] = mapped_column(Boolean, default=False)
    # The last accepted TOTP time step: a code is never accepted twice (no replay).
    totp_last_step: Mapped[int | None] = mapped_column(default=None)
    # Consecutive failures from any address, and the short back-off they cause (SignInLock
    # holds the long lockout per address).
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    setup_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    setup_expires: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    units: Mapped[list[UserUnit]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="UserUnit.unit_code"
    )
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    sign_in_locks: Mapped[list[SignInLock]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def get_id(self) -> str | None:  # Flask-Login
        return self.session_token

    @property
    def is_active(self) -> bool:  # Flask-Login
        return bool(self.active)

    @property
    def unit_codes(self) -> tuple[str, ...]:
        return tuple(u.unit_code for u in self.units)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserUnit(Model):
    """A unit a manager is bound to, by code: the binding follows the unit from year to year."""

    __tablename__ = "user_units"
    __table_args__ = (UniqueConstraint("user_id", "unit_code", name="user_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_code: Mapped[str] = mapped_column(String(64))

    user: Mapped[User] = relationship(back_populates="units")


class RecoveryCode(Model):
    """A one-time code that replaces the second factor once (the phone is lost)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="recovery_codes")


class SignInLock(Model):
    """Failed attempts on one account from one client address, and that pair's lockout.

    Locking the account itself would let anyone who knows an address lock its owner out by
    typing wrong passwords; locking the pair stops the guesser and leaves the owner, elsewhere,
    only the account's short back-off (``User.failed_attempts``, ``User.locked_until``). The
    address is stored only as the rate limit's keyed hash, never in clear.
    """

    __tablename__ = "sign_in_locks"
    __table_args__ = (UniqueConstraint("user_id", "client", name="sign_in_lock"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)
    last_failure: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="sign_in_locks")
