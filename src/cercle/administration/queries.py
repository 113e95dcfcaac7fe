"""Reads of the organisation's settings, cached because every page shows its branding."""

from __future__ import annotations

from django.core.cache import cache

from cercle.administration.models import Organisation

ORGANISATION_CACHE_KEY = "cercle:organisation:v1"


def get_organisation() -> Organisation:
    organisation: Organisation | None = cache.get(ORGANISATION_CACHE_KEY)
    if organisation is None:
        organisation = Organisation.objects.filter(pk=1).first() or Organisation(pk=1)
        cache.set(ORGANISATION_CACHE_KEY, organisation, 300)
    return organisation
