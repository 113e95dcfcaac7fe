"""Calendars, events, their changed or cancelled occurrences, and invitations.

- A `Calendar` belongs to one person or to one space (made lazily, on first use, by
  `actions.personal_calendar` / `actions.space_calendar`).
- An `Event` is a single event or a recurring series (`rule`, an RFC 5545 RRULE value): timed
  (`start`, `end`, aware, with the IANA `time_zone` it was planned in) or all day (`start_date`,
  `end_date`, the end excluded). `first_start` and `last_end` bound every instant its occurrences
  may cover (None: a series without end), so that a range is one indexed query.
- An `Occurrence` row is an exception to a series, keyed by its recurrence id
  (`recurrence.occurrence_key`): cancelled (iCalendar's EXDATE) or changed (an overriding
  VEVENT with RECURRENCE-ID) — its own title, place and time.
- An `Invitation` is one person's answer to an event (all its occurrences); an
  `OccurrenceAnswer` is their different answer for one occurrence of a series (by its
  recurrence id), as Google's and Outlook's "this occurrence only".

The time rules are in `recurrence.py`.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cercle.agenda.recurrence import Timing


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


COLOURS = ("blue", "green", "orange", "purple", "red", "teal")


class Calendar(models.Model):
    # A person's calendars: their main one (`extra` False, one per person, made by Cercle) and
    # those they made from a CalDAV client (MKCALENDAR), `extra`, each with its `name`.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendars",
    )
    extra = models.BooleanField(default=False)
    name = models.CharField(_("name"), max_length=200, blank=True)
    space = models.OneToOneField(
        "spaces.Space", null=True, blank=True, on_delete=models.CASCADE, related_name="calendar"
    )
    colour = models.CharField(_("colour"), max_length=16, default="blue")
    # The secret of the subscription address (`.ics` feed); regenerated on request.
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar")
        verbose_name_plural = _("calendars")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(owner__isnull=False, space__isnull=True)
                    | models.Q(owner__isnull=True, space__isnull=False)
                ),
                name="calendar_of_person_or_space",
            ),
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(extra=False),
                name="one_main_calendar_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(extra=False) | models.Q(owner__isnull=False),
                name="extra_calendars_are_personal",
            ),
        ]

    def __str__(self) -> str:
        if self.space_id is not None:
            return f"calendar of space {self.space_id}"
        return f"calendar of person {self.owner_id}"

    @property
    def is_personal(self) -> bool:
        return self.owner_id is not None


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: colleagues see it")
    PRIVATE = "private", _("Private: others see only that I am busy")


class Timed(models.Model):
    """The time fields shared by events and their changed occurrences."""

    all_day = models.BooleanField(_("all day"), default=False)
    start = models.DateTimeField(_("start"), null=True, blank=True)
    end = models.DateTimeField(_("end"), null=True, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)  # excluded

    class Meta:
        abstract = True

    def timing(self, zone: str) -> Timing:
        if self.all_day:
            assert self.start_date is not None and self.end_date is not None
            return Timing.dates(self.start_date, self.end_date, zone)
        assert self.start is not None and self.end is not None
        return Timing.timed(self.start, self.end, zone)

    def set_timing(self, timing: Timing) -> None:
        self.all_day = timing.all_day
        self.start, self.end = timing.start, timing.end
        self.start_date, self.end_date = timing.start_date, timing.end_date


def _timed_constraint(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(
            models.Q(
                all_day=False,
                start__isnull=False,
                end__isnull=False,
                end__gte=models.F("start"),
            )
            | models.Q(
                all_day=True,
                start_date__isnull=False,
                end_date__isnull=False,
                end_date__gt=models.F("start_date"),
            )
        ),
        name=f"{prefix}_times_valid",
    )


class Event(Timed):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="events")
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="organised_events",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
    description_html = models.TextField(blank=True, default="")  # Markdown, sanitised
    place = models.CharField(_("place"), max_length=200, blank=True, default="")
    meeting_url = models.URLField(_("online meeting link"), max_length=500, blank=True, default="")
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    visibility = models.CharField(
        _("visibility"), max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    rule = models.CharField(_("repetition"), max_length=500, blank=True, default="")
    # Every instant an occurrence may cover lies in [first_start, last_end) (None: no end).
    first_start = models.DateTimeField()
    last_end = models.DateTimeField(null=True, blank=True)
    # iCalendar's UID (kept from an import or a client) and SEQUENCE (raised by each change sent
    # to invitees). A UID is unique in its calendar, as RFC 4791 asks, not across calendars: a
    # person may keep a copy of an event in a second calendar (`event_uid_per_calendar`).
    uid = models.CharField(max_length=255)
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["first_start", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            _timed_constraint("event"),
            models.CheckConstraint(
                condition=models.Q(visibility__in=["public", "private"]),
                name="event_visibility_valid",
            ),
            # UID first: the replies by mail look an event up by its UID alone.
            models.UniqueConstraint(fields=["uid", "calendar"], name="event_uid_per_calendar"),
        ]
        indexes = [
            models.Index(fields=["calendar", "first_start"], name="event_by_calendar_start"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_recurring(self) -> bool:
        return bool(self.rule)

    def own_timing(self) -> Timing:
        return self.timing(self.time_zone)


class Occurrence(Timed):
    """One occurrence of a series, cancelled or changed, keyed by its recurrence id."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="occurrences")
    recurrence_id = models.DateTimeField()
    cancelled = models.BooleanField(default=False)
    title = models.CharField(_("title"), max_length=200, blank=True, default="")
    description = models.TextField(_("description"), blank=True, default="")
    description_html = models.TextField(blank=True, default="")
    place = models.CharField(_("place"), max_length=200, blank=True, default="")
    meeting_url = models.URLField(max_length=500, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["recurrence_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recurrence_id"], name="one_exception_per_occurrence"
            ),
            _timed_constraint("occurrence"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} @ {self.recurrence_id:%Y-%m-%dT%H:%MZ}"


class Answer(models.TextChoices):
    PENDING = "pending", _("Not answered")
    YES = "yes", _("Yes")
    NO = "no", _("No")
    MAYBE = "maybe", _("Maybe")


class Invitation(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_invitations"
    )
    answer = models.CharField(max_length=8, choices=Answer.choices, default=Answer.PENDING)
    comment = models.CharField(_("comment"), max_length=500, blank=True, default="")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="one_invitation_per_person"),
            models.CheckConstraint(
                condition=models.Q(answer__in=["pending", "yes", "no", "maybe"]),
                name="invitation_answer_valid",
            ),
        ]
        indexes = [models.Index(fields=["person", "event"], name="invitation_by_person")]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.event_id} ({self.answer})"


class OccurrenceAnswer(models.Model):
    """An invitee's answer for one occurrence of a series, other than their answer for the
    series (`Invitation.answer`); keyed by the occurrence's recurrence id."""

    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="occurrence_answers"
    )
    occurrence = models.DateTimeField()  # the recurrence id (`recurrence.occurrence_key`)
    answer = models.CharField(max_length=8, choices=Answer.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True, default="")
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["occurrence", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invitation", "occurrence"], name="one_answer_per_occurrence"
            ),
            models.CheckConstraint(
                condition=models.Q(answer__in=["yes", "no", "maybe"]),
                name="occurrence_answer_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invitation_id} @ {self.occurrence:%Y-%m-%dT%H:%MZ} ({self.answer})"


# --- Reminders (`reminders.py`) -----------------------------------------------------------------


class ReminderDefault(models.Model):
    """A person's reminders for events they chose none for: minutes before the start."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_reminder_default"
    )
    minutes = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"{self.person_id}: {self.minutes}"


class EventReminder(models.Model):
    """One person's reminders for one event (all its occurrences); `[]`: none."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="reminders")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_reminders"
    )
    minutes = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="one_reminder_set_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.event_id}: {self.minutes}"


class SentReminder(models.Model):
    """A reminder sent: the unique row that keeps it from being sent twice."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    occurrence = models.DateTimeField()  # the occurrence's recurrence id (a single event's start)
    minutes = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "person", "occurrence", "minutes"], name="reminder_sent_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.event_id} @ {self.occurrence} −{self.minutes}"
