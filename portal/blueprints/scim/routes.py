"""/scim/v2: bearer-token SCIM API (CSRF-exempt, no cookies). Every call audited."""

from __future__ import annotations

import json

from flask import Response, current_app, g, request
from pydantic import ValidationError
from scim2_models import (
    Context,
    Error,
    InvalidSyntaxException,
    InvalidValueException,
    NotFoundException,
    ResponseParameters,
    SCIMException,
    SearchRequest,
    UnauthorizedException,
)
from werkzeug.exceptions import HTTPException

from portal.blueprints.scim import bp
from portal.extensions import db
from portal.models import utcnow
from portal.services.platform import audit
from portal.services.scim import users as scim

SCIM_JSON = "application/scim+json"
TOO_LARGE = "The request is too large (2 MB at most)."


def _json(payload, status: int = 200, **headers) -> Response:
    return Response(
        json.dumps(payload, default=str), status=status, mimetype=SCIM_JSON, headers=headers
    )


def _error(exc: SCIMException) -> Response:
    err = exc.to_error()
    headers = {"WWW-Authenticate": 'Bearer realm="Horizon SCIM"'} if err.status == 401 else {}
    return _json(err.model_dump(), err.status or 400, **headers)


@bp.errorhandler(SCIMException)
def scim_error(exc: SCIMException):
    db.session.rollback()
    return _error(exc)


@bp.errorhandler(ValidationError)
def validation_error(exc: ValidationError):
    db.session.rollback()
    return _error(
        InvalidValueException(detail="The resource is not valid: " + exc.errors()[0]["msg"][:200])
    )


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    db.session.rollback()
    detail = TOO_LARGE if exc.code == 413 else exc.description
    err = Error(status=exc.code, detail=detail)
    return _json(err.model_dump(), exc.code)


@bp.before_request
def refuse_oversize_bodies():
    """Before the token check, as for every other POST: a body over the limit is refused."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None and request.content_length > limit:
        err = Error(status=413, detail=TOO_LARGE)
        return _json(err.model_dump(), 413)
    return None


@bp.before_request
def authenticate():
    token = scim.token_for(request.headers.get("Authorization"))
    if token is None:
        raise UnauthorizedException(detail="A valid bearer token is required.")
    g.scim_token = token
    token.last_used_at = utcnow()


@bp.after_request
def audit_call(response: Response):
    token = g.get("scim_token")
    if token is not None:  # one row per call; creation/deactivation add their own event too
        audit.record(
            None,
            "scim.call",
            f"SCIM {request.method} {request.path}"[:300],
            token_id=token.id,
            status=response.status_code,
        )
        db.session.commit()
    return response


def _body() -> dict:
    text = request.get_data(as_text=True)
    if "\x00" in text or "\\u0000" in text:
        raise InvalidValueException(detail="The body holds a NUL character.")
    try:
        body = json.loads(text or "null")
    except ValueError:
        raise InvalidSyntaxException(detail="The body is not JSON.") from None
    if not isinstance(body, dict):
        raise InvalidSyntaxException(detail="The body must be a JSON object.")
    return body


def _base() -> str:
    return current_app.config["BASE_URL"].rstrip("/") + bp.url_prefix


def _dump_args() -> dict:
    """?attributes= / ?excludedAttributes= as scim2-models' ResponseParameters (it validates the
    names)."""
    raw = {}
    if request.args.get("attributes"):
        raw["attributes"] = request.args["attributes"]
    if request.args.get("excludedAttributes"):
        raw["excludedAttributes"] = request.args["excludedAttributes"]
    return {"response_parameters": ResponseParameters.model_validate(raw)} if raw else {}


def _int_arg(name: str, default: int | None) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidValueException(detail=f"{name} must be an integer.") from None


# --- discovery --------------------------------------------------------------------------------


@bp.get("/ServiceProviderConfig")
def service_provider_config():
    return _json(scim.CONFIG.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


@bp.get("/Schemas")
def schemas():
    items = [s.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE) for s in scim.PROVIDER.schemas]
    return _json(
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": len(items),
            "startIndex": 1,
            "itemsPerPage": len(items),
            "Resources": items,
        }
    )


@bp.get("/Schemas/<path:schema_id>")
def schema(schema_id: str):
    for s in scim.PROVIDER.schemas:
        if s.id == schema_id:
            return _json(s.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise NotFoundException(detail="No such schema.")


@bp.get("/ResourceTypes")
def resource_types():
    items = [
        r.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE) for r in scim.PROVIDER.resource_types
    ]
    return _json(
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": len(items),
            "startIndex": 1,
            "itemsPerPage": len(items),
            "Resources": items,
        }
    )


@bp.get("/ResourceTypes/<name>")
def resource_type(name: str):
    for r in scim.PROVIDER.resource_types:
        if r.id == name or r.name == name:
            return _json(r.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise NotFoundException(detail="No such resource type.")


# --- users ------------------------------------------------------------------------------------


@bp.get("/Users")
def list_users():
    start = _int_arg("startIndex", 1)
    total, rows = scim.list_users(request.args.get("filter"), start, _int_arg("count", None))
    return _json(scim.list_response(total, rows, start, _base(), **_dump_args()))


@bp.post("/.search")  # one resource type: a root search is a Users search
@bp.post("/Users/.search")
def search_users():
    """RFC 7644 §3.4.3: the query in a POST body (same answer as GET /Users)."""
    req = SearchRequest.model_validate(_body(), scim_ctx=Context.SEARCH_REQUEST)
    start = req.start_index or 1
    total, rows = scim.list_users(req.filter, start, req.count)
    return _json(scim.list_response(total, rows, start, _base(), response_parameters=req))


@bp.post("/Users")
def create_user():
    row = scim.create_user(_body(), g.scim_token, _base())
    db.session.commit()
    return _json(
        scim.dump_user(row, _base(), Context.RESOURCE_CREATION_RESPONSE),
        201,
        Location=f"{_base()}/Users/{row.scim_id}",
        ETag=scim.etag(row),
    )


@bp.get("/Users/<scim_id>")
def get_user(scim_id: str):
    row = scim.find_user(scim_id)
    if request.headers.get("If-None-Match") == scim.etag(row):
        return Response(status=304)
    return _json(
        scim.dump_user(row, _base(), Context.RESOURCE_QUERY_RESPONSE, **_dump_args()),
        ETag=scim.etag(row),
    )


@bp.put("/Users/<scim_id>")
def replace_user(scim_id: str):
    row = scim.replace_user(scim_id, _body(), g.scim_token, request.headers.get("If-Match"))
    db.session.commit()
    return _json(
        scim.dump_user(row, _base(), Context.RESOURCE_REPLACEMENT_RESPONSE), ETag=scim.etag(row)
    )


@bp.patch("/Users/<scim_id>")
def patch_user(scim_id: str):
    row = scim.patch_user(scim_id, _body(), g.scim_token, _base(), request.headers.get("If-Match"))
    db.session.commit()
    return _json(scim.dump_user(row, _base(), Context.RESOURCE_PATCH_RESPONSE), ETag=scim.etag(row))


@bp.delete("/Users/<scim_id>")
def delete_user(scim_id: str):
    scim.delete_user(scim_id, g.scim_token, request.headers.get("If-Match"))
    db.session.commit()
    return Response(status=204)
