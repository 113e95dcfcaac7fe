"""What search holds about a person (`cercle.core.personal_data`): their recent searches, and the
index's copies of their name and of what they wrote.

Erasure runs after the accounts' anonymisation (`order`), which rewrites the person with bulk
updates that send no signal: the person's own entry is removed (a former colleague is not
searched for) and the entries of what they wrote are rebuilt from what the other modules left, so
that no copy of the name or of deleted text stays in the index.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from cercle.core.personal_data import ErasureRule, ExportWriter, PersonalData, register
from cercle.search import actions, registry
from cercle.search.models import RecentSearch, SearchDocument


def export(person: Any, writer: ExportWriter) -> None:
    recent = list(
        RecentSearch.objects.filter(user=person)
        .order_by("-searched_at")
        .values("query", "searched_at")
    )
    if recent:
        writer.write_json("search/recent-searches.json", recent)


def erase(person: Any, rule: ErasureRule) -> None:
    RecentSearch.objects.filter(user=person).delete()
    person_kind = registry.get("person")
    if person_kind is not None:
        actions.remove(person_kind, [person.pk])
    written: dict[str, list[int]] = {}
    for key, object_id in SearchDocument.objects.filter(author_id=person.pk).values_list(
        "kind", "object_id"
    ):
        written.setdefault(key, []).append(object_id)
    for key, object_ids in written.items():
        written_kind = registry.get(key)
        if written_kind is not None:
            actions.reindex(written_kind, object_ids)


def register_personal_data() -> None:
    register(
        PersonalData(
            key="search",
            label=_("Search"),
            export=export,
            erase=erase,
            order=2000,  # after the accounts' anonymisation (1000)
        )
    )
