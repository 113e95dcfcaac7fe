"""What CalDAV needs beyond the agenda's own tables.

- `ResourceName`: the name a client gave an event's resource (`PUT …/<name>.ics`) when it is not
  the default one (`<uid>.ics`), so that the client finds it where it put it.
- `SyncState`: the state of a calendar (each resource's name and ETag) as a sync-token named it,
  so that a sync-collection REPORT can tell what changed and what went since that token, whoever
  made the change (these pages, the API, CalDAV)."""

from __future__ import annotations

from django.db import models

from cercle.agenda.models import Calendar, Event


class ResourceName(models.Model):
    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="dav_name")
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["calendar", "name"], name="one_dav_name_per_calendar")
        ]

    def __str__(self) -> str:
        return self.name


class SyncState(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    # {resource name: etag}
    resources = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["calendar", "token"], name="one_sync_state_per_token")
        ]

    def __str__(self) -> str:
        return f"{self.calendar_id}:{self.token}"
