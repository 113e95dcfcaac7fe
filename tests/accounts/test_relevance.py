"""The directory's relevance (`accounts.search.relevance`, written for speed: one substring search
per field) scores exactly as its plain definition below: per query word, the best of an exact
field word (20) or a field word it starts (10), plus the field's weight (title 4, skills and
topics 3, places 2, name 1)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cercle.accounts import search
from cercle.core.text import normalize, search_terms

WORD = re.compile(r"[^\W_]+")


def defined_relevance(
    words: list[str], *, name: str, job_title: str, places: str, search_text: str
) -> int:
    title = set(WORD.findall(normalize(job_title)))
    place = set(WORD.findall(normalize(places)))
    named = set(WORD.findall(normalize(name)))
    knows = set(search_text.split(" ")) - title - place - named
    total = 0
    for word in words:
        best = 0
        for field, weight in ((title, 4), (knows, 3), (place, 2), (named, 1)):
            if word in field:
                best = max(best, 20 + weight)
            elif any(w.startswith(word) for w in field):
                best = max(best, 10 + weight)
        total += best
    return total


VOCABULARY = [
    "sap", "sapin", "SAP/FI", "consultant", "consultante", "fi", "Paris", "paris-sud", "jean",
    "Jean-Marc", "jeanne", "dev", "devops", "python", "py", "été", "ete", "Ingénieure", "o'neil",
    "x", "Zoé", "zoe",
]  # fmt: skip
text = st.lists(st.sampled_from(VOCABULARY), max_size=6).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(query=text, name=text, job_title=text, places=text, knows=text)
def test_relevance_scores_as_its_definition(
    query: str, name: str, job_title: str, places: str, knows: str
) -> None:
    words = search_terms(query) or ["x"]
    fields = {
        "name": name,
        "job_title": job_title,
        "places": places,
        "search_text": normalize(f"{name} {job_title} {places} {knows}"),
    }
    assert search.relevance(words, **fields) == defined_relevance(words, **fields)


def test_a_title_word_ranks_above_a_name_that_starts_with_it() -> None:
    consultant = search.relevance(
        ["sap"], name="Anne Martin", job_title="Consultant SAP", places="", search_text="sap"
    )
    named = search.relevance(
        ["sap"], name="Luc Sapin", job_title="", places="", search_text="luc sapin"
    )
    assert consultant == 24 and named == 11
