"""The journal's forms: an entry, a comment, and the share/unshare switch."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from portal.blueprints.fields import audience_choices
from portal.core.bounds import optional_id
from portal.models.journal import Visibility
from portal.services import journal
from portal.services.journal import EntryFields, PromptSet, TagError

VISIBILITY_CHOICES = [
    SelectChoice("private", "Private: only you"),
    SelectChoice("shared", "Shared with your pairing partner"),
]


class EntryForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField("Your story", validators=[Length(max=20000)])
    visibility = RadioField("Who can read it", choices=VISIBILITY_CHOICES, default="private")
    tags = StringField("Tags", validators=[Length(max=400)])
    prompt_key = SelectField("Guiding prompt", choices=[], default="")
    # Which relationship a shared entry goes to (a pairing id, or "all-mentees"); offered
    # when the author has more than one current pairing. Checked by ``check_sharing``.
    audience = SelectField("Shared with", choices=[], default="", validate_choice=False)
    # The version the writer started from: a save on an older version is a conflict.
    version = HiddenField()
    # The autosaved draft row this form writes to (empty until the first autosave).
    draft_id = HiddenField()

    def set_prompts(self, sets: list[PromptSet]) -> None:
        """Offer the prompt sets this writer may use, grouped by key."""
        self.prompt_sets = sets
        self.prompt_key.choices = [SelectChoice("", "No prompt: a free entry")] + [
            SelectChoice(p.key, p.text, optgroup=s.label) for s in sets for p in s.prompts
        ]

    def set_audiences(self, options: list[journal.AudienceOption]) -> None:
        """Offer the author's current partners (see ``journal.audience_options``)."""
        self.audience_options = options
        self.audience.choices = audience_choices(options)
        self.audience_ids: list[int] | None = None

    def check_sharing(self, user, entry=None) -> bool:
        """Resolve "shared" into pairings; False, with the reason beside the field and the
        writer's text kept, when there is nobody (or no one chosen) to share with."""
        self.audience_ids = None
        if self.visibility.data != "shared":
            return True
        already = entry is not None and entry.is_shared
        try:
            self.audience_ids = journal.resolve_audience(user, self.audience.data, already)
        except journal.SharingError as error:
            self.visibility.errors = [*self.visibility.errors, str(error)]
            return False
        return True

    def validate_tags(self, field) -> None:
        try:
            journal.parse_tags(field.data)
        except TagError as error:
            raise ValidationError(str(error)) from error

    def version_number(self) -> int | None:
        return optional_id(self.version.data)

    def fields(self) -> EntryFields:
        """The cleaned values of a validated form."""
        return EntryFields(
            title=self.title.data.strip(),
            body=self.body.data or "",
            visibility=Visibility(self.visibility.data),
            tags=journal.parse_tags(self.tags.data),
            prompt_key=self.prompt_key.data or None,
            audience=getattr(self, "audience_ids", None),
        )

    def lenient_fields(self) -> EntryFields:
        """What an autosave keeps of a half-written form: never an error, never lost text."""
        visibility = self.visibility.data if self.visibility.data in ("private", "shared") else ""
        prompt = self.prompt_key.data if self.prompt_key.data in journal.PROMPTS else None
        return EntryFields(
            title=(self.title.data or "").strip()[:200],
            body=self.body.data or "",
            visibility=Visibility(visibility or "private"),
            tags=journal.lenient_tags(self.tags.data),
            prompt_key=prompt,
        )


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Add a comment",
        validators=[DataRequired(message="Write a comment first."), Length(max=5000)],
    )


class VisibilityForm(FlaskForm):
    visibility = RadioField("Who can read it", choices=VISIBILITY_CHOICES)
    audience = SelectField("Shared with", choices=[], default="", validate_choice=False)
