"""Views whose module is imported at their first request rather than when the URLconf loads.

For modules whose libraries cost seconds of CPU to import (scim2-models builds hundreds of
pydantic models): every process start — each server, worker and management command — would pay
it, though most never serve such a request.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string


def lazy_view(dotted_path: str, *, csrf_exempt: bool = False) -> Callable[..., HttpResponse]:
    """A view that imports `dotted_path` (module.function) when first called. `csrf_exempt`
    must say what the real view says: Django's CSRF middleware reads it before the call."""

    @cache
    def real() -> Callable[..., HttpResponse]:
        view: Callable[..., HttpResponse] = import_string(dotted_path)
        return view

    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return real()(request, *args, **kwargs)

    # Named after the real view; its module stays this one, which is loaded (a module that is
    # not yet imported would make `inspect.getmodule` and Django's debug pages find nothing).
    view.__name__ = dotted_path.rsplit(".", 1)[-1]
    view.__qualname__ = f"lazy_view({dotted_path!r})"
    if csrf_exempt:
        view.csrf_exempt = True  # type: ignore[attr-defined]
    return view
