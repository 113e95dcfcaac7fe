"""What CalDAV needs beyond the agenda's own tables.

- `ResourceName`: the name a client gave an event's resource (`PUT …/<name>.ics`) when it is not
  the default one (`<uid>.ics`), so that the client finds it where it put it.
- `SyncState`: the state of a calendar (each resource's name and ETag) as a sync-token named it,
  so that a sync-collection REPORT can tell what changed and what went since that token, whoever
  made the change (these pages, the API, CalDAV).
- `Collection`: what a client set on one of the person's calendars and Cercle does not model:
  the collection's name in the URL (for calendars made with MKCALENDAR), its colour as the
  client wrote it, its order, its description and the components it holds.
- `RawObject`: a calendar object Cercle does not model (a to-do, a journal entry), kept as the
  iCalendar text the client wrote, returned byte for byte.
- `EventSource`: the iCalendar text a client wrote for an event, with the event's ETag after
  that write: while the ETag is the same (nobody changed the event since), a GET returns that
  text as it was written (its CATEGORIES, VALARMs, RELATED-TO… included); once the event has
  changed in Cercle, its properties that Cercle does not model are added to what Cercle writes."""

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


# Every component a calendar may hold; the default of a person's calendars.
ALL_COMPONENTS = "VEVENT,VTODO,VJOURNAL"


class Collection(models.Model):
    calendar = models.OneToOneField(
        Calendar, on_delete=models.CASCADE, related_name="dav_collection"
    )
    name = models.CharField(max_length=100)
    # The main calendar's name in the person's applications (its name in Cercle is theirs).
    display_name = models.CharField(max_length=200, blank=True)
    colour = models.CharField(max_length=32, blank=True)
    order = models.IntegerField(null=True, blank=True)
    description = models.TextField(blank=True, max_length=2000)
    components = models.CharField(max_length=64, default=ALL_COMPONENTS)

    def __str__(self) -> str:
        return self.name


class RawObject(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="dav_objects")
    name = models.CharField(max_length=255)
    uid = models.CharField(max_length=255)
    component = models.CharField(max_length=16)
    data = models.TextField()
    etag = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["calendar", "name"], name="one_raw_object_per_name"),
            models.UniqueConstraint(fields=["calendar", "uid"], name="one_raw_object_per_uid"),
        ]

    def __str__(self) -> str:
        return self.name


class EventSource(models.Model):
    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="dav_source")
    data = models.TextField()
    etag = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"source of event {self.event_id}"
