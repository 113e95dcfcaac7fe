"""CSV imports in the registry of personal data (`cercle.core.personal_data`): an import's report
may quote a person's address or username in its errors; an erasure drops those lines. (The file
itself is emptied once the import is finished.) Registered by `cercle.privacy`'s `apps.py`:
the administration has no `ready()` of its own."""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy

from cercle.accounts.models import User
from cercle.administration.models import ImportJob
from cercle.core import personal_data
from cercle.core.personal_data import ErasureRule, ExportWriter


def export(person: User, writer: ExportWriter) -> None:
    """Nothing of theirs: an import is the administrators' work about many people."""


def erase(person: User, rule: ErasureRule) -> None:
    needles = [value.lower() for value in (person.email, person.username) if value]

    def mentions(value: object) -> bool:
        text = json.dumps(value, ensure_ascii=False).lower()
        return any(needle in text for needle in needles)

    for job in ImportJob.objects.only("pk", "content", "report"):
        changed = []
        if job.content and mentions(job.content):
            job.content = ""
            changed.append("content")
        if job.report and mentions(job.report):
            report = dict(job.report)
            for key, value in report.items():
                if isinstance(value, list):
                    report[key] = [item for item in value if not mentions(item)]
                elif mentions(value):
                    report[key] = ""
            job.report = report
            changed.append("report")
        if changed:
            job.save(update_fields=changed)


def register() -> None:
    personal_data.register(
        personal_data.PersonalData(
            key="administration",
            label=gettext_lazy("Imports"),
            export=export,
            erase=erase,
        )
    )
