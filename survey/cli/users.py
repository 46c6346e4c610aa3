"""`mognad user`: staff accounts from the terminal.

An account is created without a password: the command prints a single-use set-up link (valid
24 hours) where the person chooses a password and connects an authenticator app. Only a hash of
the link's token is stored, so the link cannot be shown again; `mognad user reset` makes a new one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.auth import flow
from survey.cli.common import F, command, transaction
from survey.models import User
from survey.models.users import USER_ROLES
from survey.services import accounts
from survey.services.audit import audit
from survey.services.errors import InputError


def _user(session: Session, email: str) -> User:
    user = accounts.find_user(session, email)
    if user is None:
        raise InputError(f"no account for {email}")
    return user


@click.group("user")
def user() -> None:
    """Staff accounts (administrators, HR analysts, managers)."""


@user.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(USER_ROLES), required=True)
@click.option(
    "--unit",
    "units",
    multiple=True,
    help="A unit code a manager may see, or an admin may run fieldwork in (repeat; an admin "
    "with units is a scoped administrator of those units' subtrees).",
)
@command
def create(email: str, role: str, units: tuple[str, ...]) -> None:
    """Create an account and print its one-time set-up link."""
    with transaction() as session:
        account, token = accounts.create_user(session, email, role, list(units), flow.utcnow())
        audit(session, "user.created", role=role, units=list(account.unit_codes))
    click.echo(f"Created {account.email} ({role}).")
    click.echo(f"Set-up link (single use, valid {accounts.SETUP_HOURS} hours):")
    click.echo(flow.setup_url(token))


def _account_command(name: str) -> Callable[[F], F]:
    """``mognad user NAME EMAIL``: a change to one account, its docstring the help."""

    def make(f: F) -> F:
        run = click.argument("email")(command(f))
        user.command(name)(run)
        return run

    return make


@contextmanager
def _changing(email: str) -> Iterator[tuple[Session, User]]:
    """The account ``email`` (refused if there is none), in one transaction."""
    with transaction() as session:
        yield session, _user(session, email)


@_account_command("reset")
def reset(email: str) -> None:
    """Log the account out everywhere and print a new set-up link (password and app anew)."""
    with _changing(email) as (session, account):
        if not account.active:
            raise InputError(f"{account.email} is disabled; it cannot be reset")
        token = accounts.issue_setup(account, flow.utcnow())
        audit(session, "user.reset", user=account.email)
    click.echo(f"Set-up link for {account.email} (single use, valid {accounts.SETUP_HOURS} hours):")
    click.echo(flow.setup_url(token))


@user.command("units")
@click.argument("email")
@click.option("--unit", "units", multiple=True, required=True, help="A unit code (repeat).")
@command
def units_(email: str, units: tuple[str, ...]) -> None:
    """Replace the units a manager may see (they and every unit below them)."""
    with _changing(email) as (session, account):
        accounts.bind_units(session, account, list(units))
        audit(session, "user.units", user=account.email, units=list(account.unit_codes))
    click.echo(f"{account.email} now sees {', '.join(account.unit_codes)} and the units below.")


@_account_command("disable")
def disable(email: str) -> None:
    """Disable an account; its sessions end at their next request."""
    with _changing(email) as (session, account):
        accounts.disable_user(account)
        audit(session, "user.disabled", user=account.email)
    click.echo(f"Disabled {account.email}; every session of the account has ended.")


@user.command("list")
@command
def list_() -> None:
    """Every account: e-mail, role, units, state."""
    with transaction() as session:
        users = list(session.scalars(select(User).order_by(User.email)))
        rows = [
            (
                u.email,
                u.role,
                ",".join(u.unit_codes) or "-",
                "disabled"
                if not u.active
                else ("active" if u.totp_enrolled else "awaiting set-up"),
            )
            for u in users
        ]
    if not rows:
        click.echo("No accounts. Create one with: mognad user create EMAIL --role admin")
        return
    width = max(len(r[0]) for r in rows)
    for email, role, units, state in rows:
        click.echo(f"{email:<{width}}  {role:<7}  {state:<15}  {units}")
