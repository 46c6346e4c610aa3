"""`mognad token`: personal API tokens from the terminal (create, list, revoke).

A token is printed once, when it is created; only its SHA-256 is stored, so a lost token is
revoked and replaced, never shown again. Every change is audit-logged without the token.
"""

from __future__ import annotations

import click

from survey.cli.common import command, transaction
from survey.models.audit import utcnow
from survey.services.audit import audit
from survey.services.tokens import create_for_email, list_tokens, revoke_token


@click.group("token")
def token() -> None:
    """Personal API tokens (read the API with the owner's role and scope)."""


@token.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for (e.g. 'open data portal').")
@command
def create(email: str, name: str) -> None:
    """Create a token for a staff account and print it (once)."""
    with transaction() as session:
        row, secret = create_for_email(session, email, name)
        audit(session, "token.created", user=row.user.email, token=row.id, name=row.name)
        owner, role, token_id = row.user.email, row.user.role, row.id
    click.echo(f"Created API token {token_id} for {owner} ({role}). It is shown only now:")
    click.echo(secret)
    click.echo("Send it as the header 'Authorization: Bearer <token>'.")


@token.command("revoke")
@click.argument("token_id", type=int)
@command
def revoke(token_id: int) -> None:
    """Revoke a token by its id (see `mognad token list`); it stops working at once."""
    with transaction() as session:
        row = revoke_token(session, token_id, utcnow())
        audit(session, "token.revoked", user=row.user.email, token=row.id, name=row.name)
        owner, name = row.user.email, row.name
    click.echo(f"Revoked API token {token_id} ('{name}') of {owner}.")


@token.command("list")
@command
def list_() -> None:
    """Every token: id, owner, name, created, last used, state."""
    with transaction() as session:
        rows = [
            (
                str(t.id),
                t.user.email,
                t.name,
                f"{t.created_at:%Y-%m-%d}",
                f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never used",
                "revoked"
                if t.revoked_at
                else ("owner disabled" if not t.user.active else "active"),
            )
            for t in list_tokens(session)
        ]
    if not rows:
        click.echo("No API tokens. Create one with: mognad token create EMAIL --name NAME")
        return
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for r in rows:
        click.echo("  ".join(v.ljust(w) for v, w in zip(r[:5], widths, strict=True)) + "  " + r[5])
