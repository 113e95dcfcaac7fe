"""Profile pages and personal settings."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from cercle.accounts.models import User


@login_required
def profile(request: HttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(User, username=username)
    return render(request, "accounts/profile.html", {"person": person})


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/profile.html", {"person": request.user})
