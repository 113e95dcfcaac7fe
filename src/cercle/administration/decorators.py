"""The administration's pages: anonymous people are sent to log in; others who lack the right
get 403. The rights are `cercle.accounts.queries`' (one place for each rule)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from cercle.accounts.queries import may_administer, may_manage_people, may_manage_settings

View = Callable[..., HttpResponse]
Rule = Callable[[Any], bool]


def _requires(rule: Rule) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not rule(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# Any page of the administration (its overview, the roles and their rights).
administrator_required = _requires(may_administer)
# People, invitations, imports, departments and sites: administrators and communication/HR.
people_manager_required = _requires(may_manage_people)
# Sign-in, branding, messaging policy, the audit log: administrators (the IT department) only.
admin_required = _requires(may_manage_settings)
