"""The journey journal: your entries, what partners shared, comments, review and export."""

from __future__ import annotations

from datetime import date

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from portal.blueprints.journal import bp
from portal.blueprints.journal.forms import CommentForm, EntryForm, VisibilityForm
from portal.core.bounds import optional_id
from portal.extensions import db
from portal.models.journal import JournalEntry, Visibility
from portal.rendering import hx_redirect_or, render, wants_fragment
from portal.services import access, journal, sharing
from portal.services.journal import EditConflict
from portal.services.platform.markdown import render_markdown


@bp.app_context_processor
def journal_globals() -> dict:
    def journal_review_count() -> int:
        # Lazy, so only pages that show the header's count pay for its query.
        if not current_user.is_authenticated:
            return 0
        if "journal_review_count" not in g:
            g.journal_review_count = journal.unreviewed_count(current_user)
        return g.journal_review_count

    return {
        "journal_review_count": journal_review_count,
        "render_markdown": render_markdown,
        "prompt_text": journal.prompt_text,
        "prompt_set_label": journal.prompt_set_label,
        "excerpt": journal.excerpt,
    }


def keep_review_count(count: int | None) -> None:
    """A page that counted the entries waiting for the user's review (the dashboard) hands
    the figure to the header's badge, which then asks no second time."""
    if count is not None:
        g.journal_review_count = count


def _targets(element_id: str) -> bool:
    """True for an htmx request aimed at exactly this element (not a boosted page load)."""
    return wants_fragment(element_id) and request.htmx.target == element_id


# --- your own entries ------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    filters = journal.EntryFilters.from_args(request.args)
    entries = journal.list_entries(current_user, filters)
    if _targets("journal-more"):
        return render("journal/_page.html", listing=entries)
    return render(
        "journal/index.html",
        "journal/_results.html",
        fragment_id="journal-results",
        listing=entries,
        filters=filters,
        prompt_sets=journal.PROMPT_SETS,
        tags=journal.own_tags(current_user),
    )


def _entry_form(entry: JournalEntry | None = None) -> EntryForm:
    form = EntryForm(obj=entry) if entry is not None and request.method == "GET" else EntryForm()
    form.set_prompts(journal.prompt_sets_for(current_user, keep=entry and entry.prompt_key))
    form.set_audiences(sharing.edit_options(current_user, entry))
    if request.method == "GET":
        if entry is None:
            form.prompt_key.data = request.args.get("prompt", "")
        else:
            _fill_from_entry(form, entry)
    return form


def _fill_from_entry(form: EntryForm, entry: JournalEntry) -> None:
    form.visibility.data = entry.visibility.value
    form.audience.data = journal.audience_choice_of(entry, form.audience_options)
    form.prompt_key.data = entry.prompt_key or ""
    form.tags.data = ", ".join(entry.tag_names)
    form.version.data = str(entry.version)
    form.draft_id.data = str(entry.id)
    if entry.has_pending_draft:
        form.title.data = entry.draft_title
        form.body.data = entry.draft_body
        form.tags.data = entry.draft_tags


def _form_page(form: EntryForm, entry=None, conflict=None, status=200):
    return render(
        "journal/edit.html",
        "journal/_form.html",
        fragment_id="entry-form",
        status=status,
        form=form,
        entry=entry,
        conflict=conflict,
        prompt=journal.PROMPTS.get(form.prompt_key.data or ""),
    )


def _refused_page(form: EntryForm, entry: JournalEntry | None, error: Exception):
    """The audience was refused when saving (checked again there: someone left, or the
    programme changed its setting meanwhile): nothing is kept, the writer's text stays."""
    db.session.rollback()
    form.visibility.errors = [*form.visibility.errors, str(error)]
    return _form_page(form, entry=entry, status=422)


def _conflict_page(form: EntryForm, current: JournalEntry):
    """Keep the writer's text in the form, show the saved text, and let a re-save win."""
    form.version.data = str(current.version)
    return _form_page(form, entry=current, conflict=current, status=409)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = _entry_form()
    draft = _draft_from_form(form)
    if not form.validate_on_submit() or not form.check_sharing(current_user, draft):
        return _form_page(form, entry=draft, status=422 if request.method == "POST" else 200)
    publish = request.form.get("action") != "draft"
    try:
        if draft is None:
            entry = journal.create_entry(current_user, form.fields(), publish=publish)
        else:
            entry = journal.save_entry(draft, form.fields(), form.version_number(), publish)
    except EditConflict as conflict:
        return _conflict_page(form, conflict.entry)
    except journal.SharingError as error:
        return _refused_page(form, draft, error)
    flash("Saved as a private draft." if entry.is_draft else "Your entry is saved.", "success")
    return hx_redirect_or(url_for("journal.detail", entry_id=entry.id))


def _draft_from_form(form: EntryForm) -> JournalEntry | None:
    """The autosaved draft row a new-entry form already writes to, if any."""
    if optional_id(form.draft_id.data) is None:
        return None
    return journal.get_own_entry_or_404(current_user, int(form.draft_id.data))


@bp.post("/autosave")
@login_required
def autosave():
    """Called by htmx while the author types; the first call creates the draft row."""
    form = _entry_form()
    entry = _draft_from_form(form)
    try:
        entry = journal.autosave(current_user, entry, form.lenient_fields(), form.version_number())
    except EditConflict as conflict:
        return render("journal/_autosave.html", entry=conflict.entry, conflict=True), 409
    response = render("journal/_autosave.html", entry=entry, conflict=False, oob=True)
    if entry.is_draft:
        response.headers["HX-Replace-Url"] = url_for("journal.edit", entry_id=entry.id)
    return response


# --- one entry -------------------------------------------------------------------------


def _detail_context(entry: JournalEntry) -> dict:
    return {
        "entry": entry,
        "comments": journal.comments_for(current_user, entry),
        "comment_form": CommentForm(formdata=None),
        "can_comment": access.can_comment_on_entry(current_user, entry),
        "can_review": access.can_review_entry(current_user, entry),
        "is_author": access.can_edit_entry(current_user, entry),
        "audience_line": journal.audience_line(entry) if entry.author_id == current_user.id else "",
        "audience_options": (
            journal.audience_options(current_user) if entry.author_id == current_user.id else []
        ),
        "comment_poll_seconds": current_app.config.get("JOURNAL_COMMENT_POLL_SECONDS", 10),
    }


@bp.get("/<int:entry_id>")
@login_required
def detail(entry_id: int):
    entry = journal.get_entry_or_404(current_user, entry_id)
    return render("journal/detail.html", **_detail_context(entry))


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit(entry_id: int):
    entry = journal.get_writable_entry(current_user, entry_id)
    form = _entry_form(entry)
    if not form.validate_on_submit() or not form.check_sharing(current_user, entry):
        return _form_page(form, entry=entry, status=422 if request.method == "POST" else 200)
    publish = request.form.get("action") != "draft"
    try:
        journal.save_entry(entry, form.fields(), form.version_number(), publish)
    except EditConflict as conflict:
        return _conflict_page(form, conflict.entry)
    except journal.SharingError as error:
        return _refused_page(form, entry, error)
    flash("Your changes are saved.", "success")
    return hx_redirect_or(url_for("journal.detail", entry_id=entry.id))


@bp.post("/<int:entry_id>/visibility")
@login_required
def set_visibility(entry_id: int):
    """Share or unshare an entry at any time."""
    entry = journal.get_writable_entry(current_user, entry_id)
    form = VisibilityForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        audience = None
        if form.visibility.data == "shared" and form.audience.data:
            audience = journal.resolve_audience(current_user, form.audience.data)
        journal.set_visibility(entry, Visibility(form.visibility.data), audience)
    except journal.SharingError as error:
        db.session.rollback()
        flash(f"{error} The entry stays {entry.visibility.value}.", "error")
        return redirect(url_for("journal.detail", entry_id=entry.id), 303)
    flash(f"This entry is now {entry.visibility.value}.", "success")
    return redirect(url_for("journal.detail", entry_id=entry.id), 303)


@bp.post("/<int:entry_id>/delete")
@login_required
def delete(entry_id: int):
    entry = journal.get_writable_entry(current_user, entry_id)
    journal.delete_entry(entry)
    flash("The entry is deleted.", "success")
    return hx_redirect_or(url_for("journal.index"))


# --- comments and review ---------------------------------------------------------------


def _comments_response(entry: JournalEntry, form: CommentForm | None = None, status=200):
    context = _detail_context(entry)
    if form is not None:
        context["comment_form"] = form
    if _targets("comment-list"):
        return render("journal/_comment_list.html", status=status, **context)
    return render(
        "journal/detail.html",
        "journal/_comments.html",
        fragment_id="entry-comments",
        status=status,
        **context,
    )


@bp.get("/<int:entry_id>/comments")
@login_required
def comments(entry_id: int):
    """The comments fragment: polled on a shared entry, so new comments appear by themselves."""
    return _comments_response(journal.get_entry_or_404(current_user, entry_id))


@bp.post("/<int:entry_id>/comments")
@login_required
def add_comment(entry_id: int):
    entry = journal.get_entry_or_404(current_user, entry_id)
    if not access.can_comment_on_entry(current_user, entry):
        abort(403)
    form = CommentForm()
    if not form.validate_on_submit():
        return _comments_response(entry, form, status=422)
    journal.add_comment(current_user, entry, form.body.data)
    if wants_fragment("entry-comments"):
        return _comments_response(entry, CommentForm(formdata=None))
    return redirect(url_for("journal.detail", entry_id=entry.id, _anchor="entry-comments"), 303)


@bp.post("/<int:entry_id>/review")
@login_required
def review(entry_id: int):
    entry = journal.get_entry_or_404(current_user, entry_id)
    if not access.can_review_entry(current_user, entry):
        abort(403)
    journal.mark_reviewed(current_user, entry)
    if wants_fragment("entry-review"):
        # The header's review badge is refreshed out of band, so it never goes stale.
        g.pop("journal_review_count", None)
        response = render("journal/_review.html", entry=entry, can_review=True)
        badge = render_template("journal/_review_badge.html", oob=True)
        response.set_data(response.get_data(as_text=True) + badge)
        return response
    flash("Marked as reviewed. Your mentee has been told.", "success")
    return redirect(url_for("journal.detail", entry_id=entry.id), 303)


# --- shared with you -------------------------------------------------------------------


@bp.get("/shared")
@login_required
def shared():
    """What others shared with you: a mentor's review queue, unreviewed first, then mentor
    stories and what circle members shared."""
    return render(
        "journal/shared.html",
        listing=journal.shared_with_me(current_user, older=request.args.get("older", "")[:80]),
        mentee_ids=journal.reviewer_ids(current_user),
        waiting=journal.unreviewed_count(current_user),
    )


# --- export ----------------------------------------------------------------------------


def _download(content: str | bytes, mimetype: str, extension: str) -> Response:
    filename = f"horizon-journal-{date.today():%Y-%m-%d}.{extension}"
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/export.md")
@login_required
def export_markdown():
    """Your own entries (never a partner's) as one Markdown file."""
    return _download(journal.export_markdown(current_user), "text/markdown", "md")


@bp.get("/export.zip")
@login_required
def export_zip():
    return _download(journal.export_zip(current_user), "application/zip", "zip")
