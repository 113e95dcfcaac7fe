"""Dates shown in long lists, formatted as the templates' `date` filter formats them, faster."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import formats, timezone, translation

# Django's format characters finer than a minute, and the escape (`\\`) that would hide them.
_FINER_THAN_A_MINUTE = frozenset("sucrvUe\\")
_SHOWN_PER_FORMAT = 20_000  # minutes kept per language and format, then forgotten at once
_shown: dict[tuple[str | None, str, str], dict[tuple[Any, ...], str]] = {}


class ShownDates:
    """`{{ value|date:"c" }}` and `{{ value|date:NAME }}` (NAME a format setting such as
    `SHORT_DATETIME_FORMAT`) of many moments in the current language and time zone. A named
    format without seconds is made once per minute shown: Django's formatter reads its format
    string again for each value (200 rows of a list took a tenth of their page's time)."""

    def __init__(self, name: str) -> None:
        self.name = name
        written = str(formats.get_format(name))
        self.per_minute = not (_FINER_THAN_A_MINUTE & set(written))
        # The minutes already shown in this language and format, by any request of this
        # process (a list drawn again formats nothing), by their local time and its offset
        # (two zones' same instant is not the same text).
        self.shown = _shown.setdefault((translation.get_language(), name, written), {})
        if len(self.shown) > _SHOWN_PER_FORMAT:
            self.shown.clear()

    def iso(self, moment: datetime) -> str:
        """What `|date:"c"` gives: the moment in the current time zone, ISO 8601."""
        return timezone.localtime(moment).isoformat()

    def text(self, moment: datetime) -> str:
        local = timezone.localtime(moment)
        if not self.per_minute:
            return formats.date_format(local, self.name)
        minute = local.replace(second=0, microsecond=0)
        key = (minute.replace(tzinfo=None), local.tzname(), local.utcoffset())
        found = self.shown.get(key)
        if found is None:
            found = self.shown[key] = formats.date_format(minute, self.name)
        return found
