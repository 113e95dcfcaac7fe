"""The directory and the expert finder."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/directory.html")


@login_required
def experts(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/directory.html")
