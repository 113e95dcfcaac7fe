"""Publishes the welcome posts that are due (run every few minutes by `make run`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cercle.onboarding.actions import publish_welcome_posts


class Command(BaseCommand):
    help = "Publish newcomers' welcome posts that are due."

    def handle(self, *args: Any, **options: Any) -> None:
        count = publish_welcome_posts()
        self.stdout.write(f"{count} welcome post(s) published")
