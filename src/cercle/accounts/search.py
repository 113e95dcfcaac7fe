"""The derived search columns of a profile, computed in one place for actions, imports and seeds."""

from __future__ import annotations

from collections.abc import Iterable

from cercle.core.text import normalize


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
) -> str:
    """Normalised words a directory search matches against (name, title, places, skills)."""
    parts = [first_name, last_name, username, job_title, team, department, site, *skills, *topics]
    return normalize(" ".join(part for part in parts if part))


def build_sort_name(*, first_name: str, last_name: str, username: str) -> str:
    return normalize(f"{last_name} {first_name}") or normalize(username)
