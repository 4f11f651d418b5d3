"""Flask commands: `flask --app portal <command>`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import Flask, current_app

from portal.core.text import count_words
from portal.extensions import db
from portal.services.platform import backup as backups


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--force", is_flag=True, help="Seed even when the database has users.")
    def seed_demo_command(force: bool) -> None:
        """Load demo data into an empty database."""
        from portal.demo.seed import database_is_empty, seed_demo

        if not force and not database_is_empty():
            click.echo("The database already has data; demo data was not loaded.")
            return
        made = seed_demo()
        click.echo(
            f"Demo data loaded: {count_words(made['programs'], 'programme')}, "
            f"{count_words(made['pairings'], 'active pairing')} in the running programme, "
            f"{count_words(made['applicants'], 'person', 'people')} in the next cohort. "
            "Password for every demo login: horizon-demo"
        )

    @app.cli.command("create-admin")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt=True)
    @click.password_option()
    def create_admin_command(email: str, name: str, password: str) -> None:
        """Create a portal admin, or make an existing account one."""
        from portal.services.accounts import create_user, find_by_email

        if len(password) < 10:
            raise click.BadParameter("use at least 10 characters", param_hint="password")
        user = find_by_email(email)
        if user:
            user.is_portal_admin = True
            user.set_password(password)
            click.echo(f"{user.email} is now a portal admin (password updated).")
        else:
            user = create_user(email, name, password, admin=True)
            click.echo(f"Created portal admin {user.email}.")
        db.session.commit()

    @app.cli.group("insights")
    def insights_group() -> None:
        """Programme analytics: rollups, pair health and figures."""

    @insights_group.command("refresh")
    def refresh_command() -> None:
        """Recompute the weekly rollups, today's pair health and the figures (the worker's job)."""
        from portal.services.insights import rollups

        written = rollups.refresh_rollups()
        click.echo(f"Refreshed {written} programme weeks.")
        pairs = rollups.refresh_pair_health()
        click.echo(f"Refreshed the health of {pairs} pairs.")
        figures = rollups.refresh_figures()
        click.echo(f"Refreshed {figures} analytics figures.")

    @app.cli.group("scim")
    def scim_group() -> None:
        """SCIM provisioning tokens for the company's directory (docs/identity.md)."""

    @scim_group.command("create-token")
    @click.argument("name")
    def scim_create_token(name: str) -> None:
        """Create a bearer token and print it once; only its hash is kept."""
        from portal.services.scim import users as scim

        if not name.strip() or "\x00" in name:
            raise click.BadParameter("give the token a name", param_hint="NAME")
        token, row = scim.create_token(name, created_by=None)
        db.session.commit()
        click.echo(token)
        click.echo(f"Token {row.id} ({row.name}) created. It is shown only this once.", err=True)

    @scim_group.command("revoke-token")
    @click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
    def scim_revoke_token(token_id: int) -> None:
        """Revoke a token: the next call with it is refused."""
        from portal.services.scim import users as scim

        if not scim.revoke_token(token_id, revoked_by=None):
            raise click.ClickException(f"There is no active token {token_id}.")
        db.session.commit()
        click.echo(f"Token {token_id} revoked.")

    @app.cli.command("match")
    @click.argument("program_slug")
    @click.option("--dry-run", is_flag=True, help="Print the proposal without saving it.")
    @click.option(
        "--mode", type=click.Choice(["best_total", "most_matched"]), help="Override the setting."
    )
    def match_command(program_slug: str, dry_run: bool, mode: str | None) -> None:
        """Propose the optimal pairs for a programme (admins approve them in the portal)."""
        from portal.services.matching.cli import run_match

        run_match(program_slug, dry_run, mode)

    @app.cli.command("backup")
    @click.argument("path", required=False, type=click.Path(path_type=Path))
    def backup_command(path: Path | None) -> None:
        """Write a consistent copy of the database (pg_dump -Fc, or SQLite's backup API)."""
        uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
        if path is None:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            ext = "dump" if uri.startswith("postgresql") else "sqlite"
            path = Path(current_app.instance_path) / "backups" / f"horizon-{stamp}.{ext}"
        try:
            written = backups.backup(uri, path)
        except backups.BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Backup written to {written} ({written.stat().st_size} bytes)")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--replace", is_flag=True, help="Drop what the database holds first.")
    def restore_command(path: Path, replace: bool) -> None:
        """Load a backup into the configured database (stop the app and workers first)."""
        db.engine.dispose()  # no pooled connection may hold the old file or tables
        try:
            backups.restore(current_app.config["SQLALCHEMY_DATABASE_URI"], path, replace=replace)
        except backups.BackupError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Restored {path}. Run `flask --app portal db upgrade heads` if it is older.")
