from django.conf import settings
from django.db import models


class SearchDocument(models.Model):
    """One searchable object, as the index holds it; its words are indexed by the engine's own
    tables (SQLite: `search_fts`, `search_trigram`; PostgreSQL: `search_vector`), keyed by id."""

    kind = models.CharField(max_length=32)
    object_id = models.BigIntegerField()
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True, default="")
    language = models.CharField(max_length=8, default="fr")
    space_id = models.BigIntegerField(null=True, blank=True)
    author_id = models.BigIntegerField(null=True, blank=True)
    date = models.DateTimeField()
    url = models.CharField(max_length=500)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"], name="search_one_entry_per_object"
            )
        ]
        indexes = [
            models.Index(fields=["kind", "-date"], name="search_kind_date"),
            models.Index(fields=["space_id"], name="search_space"),
            models.Index(fields=["author_id"], name="search_author"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class RecentSearch(models.Model):
    """A search someone ran, for their "recent searches" (theirs only; they may clear them)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recent_searches"
    )
    query = models.CharField(max_length=200)
    searched_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "query"], name="search_recent_once")]
        indexes = [models.Index(fields=["user", "-searched_at"], name="search_recent_newest")]

    def __str__(self) -> str:
        return self.query
