"""One dashboard, with a panel for each role the person holds."""

from flask_login import current_user, login_required

from portal.blueprints.dashboard import bp
from portal.blueprints.journal.routes import keep_review_count
from portal.rendering import render
from portal.services.dashboard import dashboard_for


@bp.get("/")
@login_required
def index():
    board = dashboard_for(current_user)
    keep_review_count(board.review_count)
    return render("dashboard/index.html", dashboard=board)
