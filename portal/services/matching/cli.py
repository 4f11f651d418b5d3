"""`flask --app portal match <slug> [--dry-run]`: the same proposal, printed."""

from __future__ import annotations

import click
from sqlalchemy import select

from portal.extensions import db
from portal.models import Program
from portal.services.matching.proposals import propose, save_proposal
from portal.services.matching.solver import Mode


def run_match(slug: str, dry_run: bool, mode: str | None = None) -> None:
    program = db.session.scalar(select(Program).where(Program.slug == slug))
    if program is None:
        raise click.ClickException(f"No programme has the slug {slug!r}.")
    proposal = propose(program, Mode(mode) if mode else None)
    click.echo(f"{program.name}: {proposal.mode.label.lower()}")
    click.echo(
        f"{len(proposal.pairs)} pairs, total score {proposal.total:.1f}, "
        f"{len(proposal.unmatched)} unmatched "
        f"(scored in {proposal.seconds_to_score:.2f} s, "
        f"solved in {proposal.seconds_to_solve:.2f} s)"
    )
    for pair in proposal.pairs:
        factors = ", ".join(f"{f.label} {f.points:.0f}" for f in pair.top_factors)
        click.echo(f"  {pair.score:5.1f}  {pair.mentee.name} <- {pair.mentor.name}  [{factors}]")
        for note in pair.near_misses:
            click.echo(f"         near miss: {note}")
    for left in proposal.unmatched:
        click.echo(f"  unmatched: {left.mentee.name}: {left.reason}")
    if dry_run:
        click.echo("Dry run: nothing was saved.")
        return
    save_proposal(program, proposal, actor=None)
    click.echo("Saved as proposed pairings: an admin approves them at /admin/matching/" + slug)
