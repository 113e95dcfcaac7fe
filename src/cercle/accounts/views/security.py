"""One's security page: password, sessions, two-factor authentication, API tokens."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def security(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/profile.html", {"person": request.user})
