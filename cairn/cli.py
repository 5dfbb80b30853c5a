"""`flask --app wsgi admin create --email E`: bootstrap an administrator;
`flask --app wsgi mail deliver`: send the mail that is due;
`flask --app wsgi webhooks deliver`: send the webhook deliveries that are due."""

from __future__ import annotations

import secrets

import click

from cairn import users, webhook_delivery
from cairn.db import transaction
from cairn.mail_delivery import deliver_due


@click.group(help="Administrators.")
def admin() -> None:
    pass


@admin.command("create", help="Create an admin (or give an existing one a new token) and "
               "print one line `token: <secret>`.")
@click.option("--email", required=True)
@click.option("--password", envvar="CAIRN_ADMIN_PASSWORD", default=None,
              help="Sign-in password for the pages (or CAIRN_ADMIN_PASSWORD).")
def create(email: str, password: str | None) -> None:
    with transaction():
        user = users.find_user_by_email(email)
        if user is None:
            user = users.create_user(email, password=password, is_admin=True)
        else:
            user.is_admin = True
            if password:
                users.set_password(user, password)
            click.echo("admin exists: issuing a new token", err=True)
        _, secret = users.issue_token(user, name="bootstrap", scopes=list(users.SCOPES))
    click.echo(f"token: {secret}")


@admin.command("bootstrap", help="On a new install, create admin@example.org with a generated "
               "password and print its login and token; afterwards, say that it exists.")
@click.option("--email", default="admin@example.org", show_default=True)
def bootstrap(email: str) -> None:
    with transaction():
        if users.any_admin():
            click.echo("admin: exists (`flask --app wsgi admin create --email E` issues a token)")
            return
        password = secrets.token_urlsafe(12)
        user = users.create_user(email, password=password, is_admin=True)
        _, secret = users.issue_token(user, name="bootstrap", scopes=list(users.SCOPES))
    click.echo(f"login: {email}  password: {password}  (sign in at /login; shown once)")
    click.echo(f"token: {secret}")


@click.group(help="Outgoing mail (the outbox).")
def mail() -> None:
    pass


@mail.command("deliver", help="Send the messages that are due, once (for cron, or after "
              "fixing the SMTP settings), and print how each went.")
def deliver() -> None:
    outcomes = deliver_due()
    click.echo(", ".join(f"{outcome}: {outcomes[outcome]}"
                         for outcome in ("sent", "logged", "retry", "failed", "skipped")))


@click.group(help="Outgoing webhooks.")
def webhooks() -> None:
    pass


@webhooks.command("deliver", help="Send the webhook deliveries that are due, once (for cron, "
                  "or after a receiver is back), and print how each went.")
def deliver_webhooks() -> None:
    outcomes = webhook_delivery.deliver_due()
    click.echo(", ".join(f"{outcome}: {outcomes[outcome]}"
                         for outcome in ("delivered", "retry", "failed", "skipped")))
