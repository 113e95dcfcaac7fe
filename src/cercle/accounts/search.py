"""The directory's search: the derived columns of a profile, and how a query matches them.

`Profile.search_text` holds the normalised (accent- and case-free, see `cercle.core.text.normalize`)
words of a person's name, username, job title, team, department, site, skills and "ask me about"
topics; `Profile.sort_name` their normalised "last first" name. Actions, imports and seeds compute
them here, in one place.

The index (migration accounts/0002): on SQLite an FTS5 table `accounts_profile_fts` with external
content, maintained by triggers on `accounts_profile` (bulk inserts are indexed automatically); on
PostgreSQL a stored column `search_vector` = to_tsvector('simple', search_text) with a GIN index
(migrations 0002 and 0004; bulk inserts fill both by themselves). Matching: every word of the query
must be a prefix of some word of the search text ("hel dup" finds "Hélène Dupont").

Beware: on SQLite, a migration that makes Django rebuild accounts_profile (most AlterField) drops
its triggers; such a migration must create them again (see migration 0002). The test that
bulk-inserts profiles and searches them fails if that is forgotten.

Ordering: a search with at most DENSE_MATCHES matches is sorted as asked (by name); a broader one
("a", a common surname at 100,000 people) is served newest first straight from the index, so a
page never costs time in proportion to the number of matches.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from django.db import connection
from django.db.models import Model, Q, QuerySet

from cercle.accounts.languages import language_keys, searchable_names
from cercle.core.text import normalize, search_terms

if TYPE_CHECKING:
    from cercle.accounts.models import User

_M = TypeVar("_M", bound=Model)
# The words both engines index: runs of letters and digits (FTS5's unicode61 and PostgreSQL's
# parser split on everything else).
_WORD = re.compile(r"[^\W_]+")
MAX_QUERY_TERMS = 6
MAX_TERM_LENGTH = 60


def build_search_text(
    *,
    first_name: str,
    last_name: str,
    username: str,
    job_title: str = "",
    team: str = "",
    department: str = "",
    site: str = "",
    skills: Iterable[str] = (),
    topics: Iterable[str] = (),
    languages: Iterable[object] = (),
) -> str:
    """Normalised words a directory search matches against (name, title, places, skills, topics,
    and spoken languages under their French and English names)."""
    parts = [
        first_name,
        last_name,
        username,
        job_title,
        team,
        department,
        site,
        *skills,
        *topics,
        *searchable_names(languages),
    ]
    return " ".join(_WORD.findall(normalize(" ".join(part for part in parts if part))))


def build_sort_name(*, first_name: str, last_name: str, username: str) -> str:
    return normalize(f"{last_name} {first_name}") or normalize(username)


def query_words(query: str) -> list[str]:
    """The words of a search query as the index sees them (normalised, at most a few)."""
    words: list[str] = []
    for term in search_terms(query[:500], max_terms=MAX_QUERY_TERMS * 2):
        for word in _WORD.findall(term):
            word = word[:MAX_TERM_LENGTH]
            if word not in words:
                words.append(word)
    return words[:MAX_QUERY_TERMS]


# Fixed SQL (no user text in it); the query words are bound as parameters.
_SQLITE_MATCH = (
    '"accounts_profile"."user_id" IN '
    "(SELECT rowid FROM accounts_profile_fts WHERE accounts_profile_fts MATCH %s)"
)
_SQLITE_PROBE = (
    "SELECT rowid FROM accounts_profile_fts WHERE accounts_profile_fts MATCH %s LIMIT %s"
)
_SQLITE_JOIN = '"accounts_profile_fts"."rowid" = "accounts_profile"."user_id"'
_SQLITE_JOIN_MATCH = '"accounts_profile_fts" MATCH %s'
_SQLITE_BEFORE = '"accounts_profile_fts"."rowid" < %s'
# PostgreSQL (migration 0004): search_vector is to_tsvector('simple', search_text), stored.
# Few matches: the ids come from the GIN index as one array, then the rows by primary key
# (an ARRAY(...) sub-select is run once and never turned into a scan of the whole directory).
_POSTGRES_MATCH = (
    '"accounts_profile"."user_id" = ANY(ARRAY(SELECT m.user_id FROM accounts_profile m '
    "WHERE m.search_vector @@ to_tsquery('simple'::regconfig, %s)))"
)
_POSTGRES_FILTER = '"accounts_profile"."search_vector" @@ to_tsquery(\'simple\'::regconfig, %s)'
_POSTGRES_PROBE = (
    "SELECT count(*) FROM (SELECT 1 FROM accounts_profile "
    "WHERE search_vector @@ to_tsquery('simple'::regconfig, %s) LIMIT %s) AS probe"
)
# Past this many matches a search is "broad": sorting every match by name would cost time in
# proportion to the matches, so broad searches are served newest first, straight from the index.
DENSE_MATCHES = 500


@dataclass(frozen=True)
class SearchPlan:
    words: list[str]
    # More than DENSE_MATCHES profiles match (deactivated ones included).
    dense: bool


def _match_expression(words: list[str]) -> str:
    if connection.vendor == "sqlite":
        return " AND ".join(f'"{word}"*' for word in words)
    return " & ".join("'" + word.replace("'", "''") + "':*" for word in words)


def plan_search(query: str) -> SearchPlan | None:
    """The words of `query` and whether many profiles match (one bounded index query);
    None when the query has no word to search."""
    words = query_words(query)
    if not words:
        return None
    probe = _SQLITE_PROBE if connection.vendor == "sqlite" else _POSTGRES_PROBE
    with connection.cursor() as cursor:
        cursor.execute(probe, [_match_expression(words), DENSE_MATCHES + 1])
        rows = cursor.fetchall()
        found = rows[0][0] if connection.vendor == "postgresql" else len(rows)
        dense = found > DENSE_MATCHES
    return SearchPlan(words=words, dense=dense)


def filter_search(queryset: QuerySet[_M], plan: SearchPlan) -> QuerySet[_M]:
    """Keep the profiles matching every word of the plan as a prefix (any order after).

    `queryset` is over Profile, or joins accounts_profile under its own name.
    """
    match = _SQLITE_MATCH if connection.vendor == "sqlite" else _POSTGRES_MATCH
    return queryset.extra(where=[match], params=[_match_expression(plan.words)])  # noqa: S610


def filter_search_newest_first(
    queryset: QuerySet[_M], plan: SearchPlan, *, before_id: int | None = None
) -> QuerySet[_M]:
    """Matching profiles ordered by user id, newest first, optionally below `before_id`.

    On SQLite the full-text index is read in its own (rowid = user id) order and stops after a
    page, whatever the number of matches.
    """
    if connection.vendor != "sqlite":
        queryset = queryset.extra(  # noqa: S610
            where=[_POSTGRES_FILTER], params=[_match_expression(plan.words)]
        )
        if before_id is not None:
            queryset = queryset.filter(user_id__lt=before_id)
        return queryset.order_by("-user_id")
    where = [_SQLITE_JOIN, _SQLITE_JOIN_MATCH]
    params: list[object] = [_match_expression(plan.words)]
    if before_id is not None:
        where.append(_SQLITE_BEFORE)
        params.append(before_id)
    return queryset.extra(  # noqa: S610
        tables=["accounts_profile_fts"],
        where=where,
        params=params,
        order_by=["-accounts_profile_fts.rowid"],
    )


# Relevance (a search with at most DENSE_MATCHES matches, sorted "relevance"): each query word
# scores where it is found, an exact word above the start of a word, and within each, a job title
# above skills, topics and languages, above team, department and site, above the name; the scores
# of the words add up. So "sap" puts "Consultant SAP" before a person named "Sapin".
_EXACT, _PREFIX = 20, 10
_WEIGHT_TITLE, _WEIGHT_KNOWS, _WEIGHT_PLACE, _WEIGHT_NAME = 4, 3, 2, 1


def relevance(
    words: list[str],
    *,
    name: str,
    job_title: str,
    places: str,
    search_text: str,
) -> int:
    """How well a profile matches the query words (higher first); the fields as written."""
    title_words = _field_words(job_title)
    place_words = _field_words(places)
    name_words = frozenset(_WORD.findall(normalize(name)))
    # What is left of the search text: skills, "ask me about" topics, spoken languages.
    knows_words = set(search_text.split(" ")) - title_words - place_words - name_words
    # A word starts a field's word when " word" is in " w1 w2 …" (one search in C rather than a
    # test per word: the directory ranks up to DENSE_MATCHES people this way per search).
    fields = (
        (title_words, _starts(title_words), _WEIGHT_TITLE),
        (knows_words, " " + " ".join(knows_words), _WEIGHT_KNOWS),
        (place_words, _starts(place_words), _WEIGHT_PLACE),
        (name_words, " " + " ".join(name_words), _WEIGHT_NAME),
    )
    total = 0
    for word in words:
        best = 0
        # (a query's words hold no space; one that did could only match a field's word exactly)
        start = " " + word if word and " " not in word else "\0"
        for field_words, starts, weight in fields:
            if word in field_words:
                best = max(best, _EXACT + weight)
            elif start in starts:
                best = max(best, _PREFIX + weight)
        total += best
    return total


@functools.lru_cache(maxsize=4096)
def _field_words(text: str) -> frozenset[str]:
    """A job title's or a place's words (the same few hundred across the organisation: kept)."""
    return frozenset(_WORD.findall(normalize(text)))


@functools.lru_cache(maxsize=4096)
def _starts(field_words: frozenset[str]) -> str:
    return " " + " ".join(field_words)


def rebuild_search_index() -> None:
    """After a bulk load: rebuild the SQLite full-text index from `Profile.search_text` (its
    triggers normally keep it, so this is only a repair), or refresh PostgreSQL's statistics of
    the search vector so that its planner estimates matches well."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "INSERT INTO accounts_profile_fts(accounts_profile_fts) VALUES ('rebuild')"
            )
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE accounts_profile")


def refresh_search_columns(user: User) -> None:
    """Recompute and save one person's search_text and sort_name from the database."""
    from cercle.accounts.models import Profile, UserSkill

    profile = Profile.objects.select_related("user", "department", "site").get(user=user)
    skills = list(
        UserSkill.objects.filter(user_id=profile.user_id)
        .order_by("skill__name")
        .values_list("skill__name", flat=True)
    )
    person = profile.user
    search_text = build_search_text(
        first_name=person.first_name,
        last_name=person.last_name,
        username=person.username,
        job_title=profile.job_title,
        team=profile.team,
        department=profile.department.name if profile.department else "",
        site=profile.site.name if profile.site else "",
        skills=skills,
        topics=[str(topic) for topic in profile.ask_me_about or []],
        languages=profile.languages or [],
    )
    sort_name = build_sort_name(
        first_name=person.first_name, last_name=person.last_name, username=person.username
    )
    if search_text != profile.search_text or sort_name != profile.sort_name:
        Profile.objects.filter(pk=profile.pk).update(search_text=search_text, sort_name=sort_name)
    sync_spoken_languages({profile.user_id: profile.languages or []})


def sync_spoken_languages(languages_by_user: dict[int, list[object]]) -> None:
    """Make the `SpokenLanguage` rows of these people match their profiles' languages (two
    queries, whatever the number of people)."""
    from cercle.accounts.models import SpokenLanguage

    wanted = {
        (user_id, key)
        for user_id, names in languages_by_user.items()
        for key in language_keys(names)
    }
    have = set(
        SpokenLanguage.objects.filter(user_id__in=list(languages_by_user)).values_list(
            "user_id", "key"
        )
    )
    stale = have - wanted
    if stale:
        gone = Q()
        for user_id, key in stale:
            gone |= Q(user_id=user_id, key=key)
        SpokenLanguage.objects.filter(gone).delete()
    missing = wanted - have
    if missing:
        SpokenLanguage.objects.bulk_create(
            [SpokenLanguage(user_id=user_id, key=key) for user_id, key in sorted(missing)]
        )


def refresh_search_columns_many(user_ids: Iterable[int], *, batch_size: int = 1000) -> int:
    """Recompute search_text and sort_name for many people at once (after renaming a
    department or a site, or an import); returns how many profiles changed."""
    from cercle.accounts.models import Profile, UserSkill

    ids = list(user_ids)
    changed = 0
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        skills: dict[int, list[str]] = {}
        for user_id, name in (
            UserSkill.objects.filter(user_id__in=chunk)
            .order_by("skill__name")
            .values_list("user_id", "skill__name")
        ):
            skills.setdefault(user_id, []).append(name)
        updates: dict[tuple[str, ...], list[Profile]] = {}
        for profile in Profile.objects.select_related("user", "department", "site").filter(
            user_id__in=chunk
        ):
            person = profile.user
            search_text = build_search_text(
                first_name=person.first_name,
                last_name=person.last_name,
                username=person.username,
                job_title=profile.job_title,
                team=profile.team,
                department=profile.department.name if profile.department else "",
                site=profile.site.name if profile.site else "",
                skills=skills.get(profile.user_id, []),
                topics=[str(topic) for topic in profile.ask_me_about or []],
                languages=profile.languages or [],
            )
            sort_name = build_sort_name(
                first_name=person.first_name, last_name=person.last_name, username=person.username
            )
            # Only the columns that differ (Django's bulk_update costs a CASE per row and
            # column: a new department or title changes the search text, not the sort name).
            fields = tuple(
                name
                for name, differs in (
                    ("search_text", search_text != profile.search_text),
                    ("sort_name", sort_name != profile.sort_name),
                )
                if differs
            )
            if fields:
                profile.search_text, profile.sort_name = search_text, sort_name
                updates.setdefault(fields, []).append(profile)
        for fields, rows in updates.items():
            Profile.objects.bulk_update(rows, list(fields))
            changed += len(rows)
    return changed
