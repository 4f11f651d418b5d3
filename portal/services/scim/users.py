"""SCIM 2.0 (RFC 7643/7644) provisioning of people, built on scim2-models.

The SCIM document of each person is kept as sent (scim_users.attributes), so every attribute a
client writes reads back unchanged; Horizon projects the few fields it uses onto users:
  userName / emails[primary] -> users.email, displayName / name.formatted -> users.name, timezone
  -> users.timezone, title + enterprise department -> users.directory, active -> deactivation.
Services raise scim2_models SCIMException subclasses; the blueprint turns them into SCIM Error
bodies.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC
from typing import Any

from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    ETag,
    Filter,
    ListResponse,
    Meta,
    NotFoundException,
    Patch,
    PatchOp,
    PreconditionFailedException,
    ResourceType,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    UniquenessException,
    User,
)
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.core.errors import FieldError
from portal.extensions import db
from portal.models import User as Person
from portal.models import utcnow
from portal.models.identity import ScimToken, ScimUser
from portal.services.accounts.deactivation import deactivate, reactivate
from portal.services.platform import audit

UserModel = User[EnterpriseUser]
MAX_RESULTS = 200
TOKEN_PREFIX = "hzs_"  # noqa: S105 (recognisable in secret scanners)

CONFIG = ServiceProviderConfig(
    documentation_uri=None,
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_RESULTS),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=True),
    authentication_schemes=[
        AuthenticationScheme(
            type="oauthbearertoken",
            name="Bearer token",
            primary=True,
            description="A token an administrator creates in Horizon (Admin > Provisioning).",
        )
    ],
)
PROVIDER = ScimProvider(
    models=[User, EnterpriseUser],
    resource_types=[ResourceType.from_resource(UserModel)],
    config=CONFIG,
)


# --- tokens ---------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(name: str, created_by: Person | None) -> tuple[str, ScimToken]:
    name = check_token_name(name)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ScimToken(
        name=name,
        token_hash=_hash(token),
        prefix=token[:10],
        created_by_id=created_by.id if created_by else None,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        created_by, "scim.token_created", f"SCIM token '{row.name}' created", token_id=row.id
    )
    return token, row


class TokenNameError(FieldError):
    """A token needs a short name that says which directory uses it."""


def check_token_name(name: str) -> str:
    name = (name or "").strip()
    if not name or "\x00" in name:
        raise TokenNameError("Name the token after the directory that will use it.", "name")
    if len(name) > 120:
        raise TokenNameError("Keep the name under 120 characters.", "name")
    return name


def tokens(query) -> list[ScimToken]:
    """The tokens of an access query (services/access.visible_scim_tokens), newest first."""
    return list(
        db.session.scalars(query.order_by(ScimToken.created_at.desc(), ScimToken.id.desc()))
    )


def revoke_token(token_id: int, revoked_by: Person | None) -> bool:
    result = db.session.execute(
        ScimToken.__table__.update()
        .where(ScimToken.id == token_id, ScimToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if result.rowcount:
        audit.record(revoked_by, "scim.token_revoked", "SCIM token revoked", token_id=token_id)
    return bool(result.rowcount)


def token_for(authorization: str | None) -> ScimToken | None:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX):
        return None
    return db.session.scalar(
        select(ScimToken).where(
            ScimToken.token_hash == _hash(token.strip()), ScimToken.revoked_at.is_(None)
        )
    )


# --- users ----------------------------------------------------------------------------------


def _location(base: str, row: ScimUser) -> str:
    return f"{base}/Users/{row.scim_id}"


def etag(row: ScimUser) -> str:
    return f'W/"{row.version}"'


def to_resource(row: ScimUser, base: str) -> UserModel:
    data = dict(row.attributes)
    resource = UserModel.model_validate(data, scim_ctx=Context.DEFAULT)
    resource.id = row.scim_id
    resource.meta = Meta(
        resource_type="User",
        created=row.created_at.replace(tzinfo=UTC),
        last_modified=row.updated_at.replace(tzinfo=UTC),
        location=_location(base, row),
        version=etag(row),
    )
    return resource


def _email_of(resource: UserModel) -> str | None:
    emails = resource.emails or []
    primary = next((e.value for e in emails if e.primary and e.value), None)
    email = primary or next((e.value for e in emails if e.value), None)
    if not email and resource.user_name and "@" in resource.user_name:
        email = resource.user_name
    return str(email).strip().lower() if email else None


def _attach(row: ScimUser, resource: UserModel) -> None:
    """Create or link the Horizon account once the document has an e-mail address, then project onto
    it."""
    email = _email_of(resource)
    if email is None:
        return  # the SCIM record waits for an address; nothing in Horizon yet
    if row.user is None:
        person = db.session.scalar(select(Person).where(Person.email == email))
        if person is None:
            person = Person(email=email, name="", password_hash="!sso")  # noqa: S106
            db.session.add(person)
        elif db.session.scalar(select(ScimUser.id).where(ScimUser.user_id == person.id)):
            raise UniquenessException(detail="This person is already provisioned.")
        row.user = person
    _project(row.user, resource, email)


def _project(person: Person, resource: UserModel, email: str) -> None:
    """Copy the fields Horizon uses from the SCIM document onto the account."""
    person.email = email
    name = (
        resource.display_name
        or (resource.name.formatted if resource.name else None)
        or (
            " ".join(p for p in [resource.name.given_name, resource.name.family_name] if p)
            if resource.name
            else ""
        )
    )
    person.name = (name or person.email.partition("@")[0])[:120]
    directory = dict(person.directory or {})
    if resource.title:
        directory["title"] = resource.title[:120]
    ent = resource[EnterpriseUser]
    dept = getattr(ent, "department", None) if ent else None
    if dept:
        directory["department"] = dept[:120]
    person.directory = directory


def _set_active(person: Person | None, row: ScimUser, active: bool, token: ScimToken) -> None:
    row.active = active
    if person is None or active == (person.deactivated_at is None):
        return
    if active:
        reactivate(person, action="scim.reactivated", token_id=token.id)
    else:
        deactivate(person, action="scim.deactivated", token_id=token.id)


def find_user(scim_id: str) -> ScimUser:
    row = (
        db.session.scalar(select(ScimUser).where(ScimUser.scim_id == scim_id))
        if len(scim_id) <= 36
        else None
    )
    if row is None:
        raise NotFoundException(detail=f"No User {scim_id[:40]}")
    return row


def _check_etag(row: ScimUser, if_match: str | None) -> None:
    if (
        if_match
        and if_match.strip() != "*"
        and etag(row) not in [t.strip() for t in if_match.split(",")]
    ):
        raise PreconditionFailedException(detail="The resource changed since you read it.")


def _store(row: ScimUser, resource: UserModel) -> None:
    doc = resource.model_dump(scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
    for key in ("id", "meta"):
        doc.pop(key, None)
    row.attributes = doc
    row.user_name = resource.user_name.lower()
    row.external_id = resource.external_id
    row.updated_at = utcnow()


def _flush_unique() -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise UniquenessException(detail="userName or e-mail already in use.") from None


def create_user(body: dict, token: ScimToken, base: str) -> ScimUser:
    resource = UserModel.model_validate(body, scim_ctx=Context.RESOURCE_CREATION_REQUEST)
    row = ScimUser(scim_id=str(uuid.uuid4()), active=True)
    _attach(row, resource)
    _store(row, resource)
    db.session.add(row)
    _flush_unique()
    _set_active(row.user, row, resource.active is not False, token)
    audit.record(
        None, "scim.user_created", "Person provisioned", user_id=row.user_id, token_id=token.id
    )
    return row


def replace_user(scim_id: str, body: dict, token: ScimToken, if_match: str | None) -> ScimUser:
    row = find_user(scim_id)
    _check_etag(row, if_match)
    resource = UserModel.model_validate(body, scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
    _attach(row, resource)
    _store(row, resource)
    row.version += 1
    _flush_unique()
    _set_active(row.user, row, resource.active is not False, token)
    audit.record(
        None,
        "scim.user_replaced",
        "Person updated by provisioning",
        user_id=row.user_id,
        token_id=token.id,
    )
    return row


def patch_user(
    scim_id: str, body: dict, token: ScimToken, base: str, if_match: str | None
) -> ScimUser:
    row = find_user(scim_id)
    _check_etag(row, if_match)
    patch = PatchOp[UserModel].model_validate(body, scim_ctx=Context.RESOURCE_PATCH_REQUEST)
    resource = to_resource(row, base)
    if patch.patch(resource):
        _attach(row, resource)
        _store(row, resource)
        row.version += 1
        _flush_unique()
        _set_active(row.user, row, resource.active is not False, token)
        audit.record(
            None,
            "scim.user_patched",
            "Person updated by provisioning",
            user_id=row.user_id,
            token_id=token.id,
        )
    return row


def delete_user(scim_id: str, token: ScimToken, if_match: str | None) -> None:
    """DELETE = switch the account off for good and forget the SCIM record (docs/identity.md: data
    rule)."""
    row = find_user(scim_id)
    _check_etag(row, if_match)
    person = row.user
    if person is not None and person.deactivated_at is None:
        deactivate(person, action="scim.deleted", token_id=token.id)
    db.session.delete(row)
    audit.record(
        None, "scim.user_deleted", "Person deprovisioned", user_id=row.user_id, token_id=token.id
    )


FILTERABLE = {
    "username": ScimUser.user_name,
    "externalid": ScimUser.external_id,
    "id": ScimUser.scim_id,
}


def list_users(
    filter_text: str | None, start_index: int, count: int | None
) -> tuple[int, list[ScimUser]]:
    """Filtering: `userName eq`, `externalId eq`, `id eq` (what Entra/Okta send); others ->
    invalidFilter."""
    query = select(ScimUser)
    if filter_text:
        query = query.where(_filter_clause(filter_text))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    count = MAX_RESULTS if count is None else max(0, min(count, MAX_RESULTS))
    start = max(1, start_index)
    rows = (
        list(db.session.scalars(query.order_by(ScimUser.id).offset(start - 1).limit(count)))
        if count
        else []
    )
    return total, rows


def _filter_clause(text: str):
    from scim2_models import InvalidFilterException

    parts = text.strip().split(None, 2)
    if len(parts) != 3 or parts[1].lower() != "eq" or parts[0].lower() not in FILTERABLE:
        raise InvalidFilterException(
            detail="Only 'userName eq', 'externalId eq' and 'id eq' filters."
        )
    value = parts[2].strip()
    if not (len(value) >= 2 and value[0] == value[-1] == '"'):
        raise InvalidFilterException(detail="The value must be a quoted string.")
    value = value[1:-1].replace('\\"', '"')
    column = FILTERABLE[parts[0].lower()]
    return column == (value.lower() if column is ScimUser.user_name else value)


def list_response(total: int, rows: list[ScimUser], start: int, base: str, **dump) -> dict:
    resources = [to_resource(r, base) for r in rows]
    response = ListResponse[UserModel](
        total_results=total,
        start_index=max(1, start),
        items_per_page=len(resources),
        resources=resources,
    )
    return response.model_dump(scim_ctx=Context.SEARCH_RESPONSE, **dump)


def dump_user(row: ScimUser, base: str, ctx: Context, **dump) -> dict[str, Any]:
    return to_resource(row, base).model_dump(scim_ctx=ctx, **dump)
