"""View decorators that let a request in or answer as if the page did not exist.

The decisions are `access.can_open_admin_pages` and `access.can_do_programme_work`; these only
apply them to the signed-in person.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask_login import current_user

from portal.core.errors import NotVisible
from portal.extensions import login_manager
from portal.services import access


def _guard(allowed: Callable[[Any], bool]) -> Callable[[Callable], Callable]:
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not allowed(current_user):
                raise NotVisible
            return view(*args, **kwargs)

        return wrapped

    return decorate


# Only portal admins reach the view; anyone else gets a 404, as for a hidden object.
admin_required = _guard(access.can_open_admin_pages)
# Portal admins and programme leads reach the view (which then checks the programme).
programme_work_required = _guard(access.can_do_programme_work)
