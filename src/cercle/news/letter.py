"""The weekly news letter: one mail per person listing the articles that went live for them in the
past week, through the platform's mail (`cercle.core.mail`) and notification preferences: the
kind `news_letter`'s "email" setting is the person's opt-out, quiet hours delay it, and it goes at
most once every `LETTER_DAYS` days (`LetterSent`). Sent by `manage.py send_news_letter`, run daily
by `make run` (and cron): a person gets it on the first run a week after the last one."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.core.mail import absolute_url
from cercle.news import queries
from cercle.news.models import LetterSent
from cercle.news.notifications import NEWS_LETTER
from cercle.notifications import queries as notification_queries
from cercle.notifications.models import Preference

LETTER_DAYS = 7
LETTER_ITEMS = 20


def letter_for(person: User, now: datetime.datetime) -> tuple[str, str] | None:
    """The letter's subject and body for `person` (in their language), or None: nothing new."""
    since = now - datetime.timedelta(days=LETTER_DAYS)
    articles = list(
        queries.live_articles(person, now)
        .filter(published_at__gt=since)
        .select_related("category")
        .defer("body", "body_html")
        .order_by("-featured", "-published_at", "-id")[:LETTER_ITEMS]
    )
    if not articles:
        return None
    with translation.override(person.language or settings.LANGUAGE_CODE):
        subject = _("The week's news")
        lines = [subject, ""]
        for article in articles:
            lines.append(f"* {article.title}")
            if article.summary:
                lines.append(f"  {article.summary}")
            lines.append(f"  {absolute_url(reverse('news_article', args=[article.pk]))}")
            lines.append("")
        lines.append(
            _("You can stop this letter in your notification settings: %s")
            % absolute_url(reverse("notification_settings"))
        )
    return subject, "\n".join(lines)


def send_letters(*, now: datetime.datetime | None = None) -> int:
    """Mail the letter to everyone due for it; the number of mails sent."""
    now = now or timezone.now()
    opted_out = Preference.objects.filter(kind=NEWS_LETTER, email=False).values("user_id")
    recent = LetterSent.objects.filter(
        sent_at__gt=now - datetime.timedelta(days=LETTER_DAYS) + datetime.timedelta(hours=1)
    ).values("user_id")
    people = (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .exclude(pk__in=opted_out)
        .exclude(pk__in=recent)
        .select_related("profile")
        .order_by("pk")
    )
    sent = 0
    for person in people.iterator(chunk_size=500):
        if notification_queries.in_quiet_hours(person, now):
            continue
        letter = letter_for(person, now)
        if letter is None:
            continue
        subject, body = letter
        with transaction.atomic():
            LetterSent.objects.update_or_create(user=person, defaults={"sent_at": now})
            EmailMessage(subject=f"[Cercle] {subject}", body=body, to=[person.email]).send()
        sent += 1
    return sent
