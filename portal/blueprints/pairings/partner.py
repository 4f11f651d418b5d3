"""Meet your partner, the agreement, goals and meeting planning, under /pairings/<id>/."""

from __future__ import annotations

from flask_login import current_user, login_required

from portal.blueprints.pairings import bp
from portal.blueprints.pairings.common import (
    pairing_or_404,
)
from portal.rendering import render
from portal.services.accounts.profiles import is_past, partner_card
from portal.services.pairings import overview as overview_service


@bp.get("/<int:pairing_id>/partner")
@login_required
def partner(pairing_id: int):
    """Who the partner is, how to reach them, and what they chose to show."""
    pairing = pairing_or_404(pairing_id)
    return render(
        "pairings/partner.html",
        pairing=pairing,
        card=partner_card(current_user, pairing),
        steps=None if is_past(pairing) else overview_service.steps_for(current_user, pairing),
    )
