"""Administration pages: people, invitations, CSV import, roles, branding, audit log."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cercle.administration.decorators import admin_required


@admin_required
def people(request: HttpRequest) -> HttpResponse:
    return render(request, "administration/people.html")
