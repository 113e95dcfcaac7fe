"""The adoption figures' two tables: the days each person came (`ActiveDay`, never shown one by
one) and the daily sums per group (`DailyFigure`) that the dashboard reads."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ActiveDay(models.Model):
    """`user` opened Cercle (a page's live connection, a sign-in) or did something on `day`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="adoption_one_active_day"),
        ]
        indexes = [models.Index(fields=["day", "user"], name="adoption_active_by_day")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.day}"


class DailyFigure(models.Model):
    """One figure of one day for one group: `group` is "" (the organisation), "department:<id>",
    "site:<id>", "department:other" / "site:other" (groups under the minimum size, merged) or
    "space:<id>"."""

    day = models.DateField()
    metric = models.CharField(max_length=40)
    # "", "department", "site" or "space": what `group` is, so each part of the dashboard reads
    # its own rows through the index.
    kind = models.CharField(max_length=12, blank=True, default="")
    group = models.CharField(max_length=40, blank=True, default="")
    value = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "metric", "group"], name="adoption_one_figure_per_day"
            ),
        ]
        indexes = [models.Index(fields=["kind", "day"], name="adoption_by_kind_and_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.metric} {self.group or '*'} = {self.value}"
