"""More of what the adoption figures count (issue 16): page reads (recorded once per person, page
and day, `cercle.pages`), newcomers who finished the checklist (`cercle.onboarding`), and API use
(a request with a token makes its person active that day). Against activity counted by hand,
with the small-group rule."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cercle.accounts.actions.auth import create_api_token
from cercle.adoption.actions import aggregate_day, forget_came
from cercle.adoption.models import ActiveDay, DailyFigure
from cercle.adoption.queries import dashboard
from cercle.core.personal_data import ErasureRule, ExportWriter
from cercle.onboarding.models import OnboardingState
from cercle.onboarding.queries import STEP_KEYS
from cercle.pages import actions as page_actions
from cercle.pages import personal_data as pages_personal_data
from cercle.pages.models import PageRead
from cercle.spaces.queries import organisation_space
from tests.factories import make_department, make_site, make_space, make_user
from tests.helpers.clients import client_for

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 10)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def figures(prefix: str, day: date = DAY) -> dict[tuple[str, str], int]:
    return {
        (f.metric, f.group): f.value
        for f in DailyFigure.objects.filter(day=day, metric__startswith=prefix)
    }


@pytest.fixture
def organisation() -> dict[str, object]:
    """Sales: 6 people at Lyon; Legal: 3 (under the minimum); 2 with no department."""
    sales, legal, lyon = make_department("Sales"), make_department("Legal"), make_site("Lyon")
    return {
        "sales": sales,
        "lyon": lyon,
        "sellers": [make_user(first_name=f"S{n}", department=sales, site=lyon) for n in range(6)],
        "lawyers": [make_user(first_name=f"L{n}", department=legal) for n in range(3)],
        "others": [make_user(first_name=f"N{n}") for n in range(2)],
    }


def test_reading_a_page_is_recorded_once_a_day_for_one_write() -> None:
    owner = make_user()
    space = make_space(owner=owner, kind="private")
    page = page_actions.create_page(actor=owner, space=space, title="Accueil")
    client = client_for(owner)
    url = f"/spaces/{space.slug}/pages/accueil/"
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as remembered:
        assert client.get(url).status_code == 200
    assert PageRead.objects.filter(page=page, user=owner, day=timezone.localdate()).count() == 1
    # Forgotten by the process (another one, or the next day): one insert more, nothing else.
    cache.delete(f"pages:read:{owner.pk}:{page.pk}:{timezone.localdate().isoformat()}")
    PageRead.objects.all().delete()
    with CaptureQueriesContext(connection) as written:
        assert client.get(url).status_code == 200
    assert len(written) == len(remembered) + 1
    assert PageRead.objects.filter(page=page, user=owner).count() == 1
    # Someone who may not read it gets a 404 and records nothing.
    assert client_for(make_user()).get(url).status_code == 404
    assert PageRead.objects.count() == 1


def test_page_reads_are_counted_per_group_and_space(organisation: dict[str, Any]) -> None:
    sellers, lawyers = organisation["sellers"], organisation["lawyers"]
    admin = make_user(role="admin", department=organisation["sales"])  # Sales: 7
    intranet = organisation_space()
    first = page_actions.create_page(actor=admin, space=intranet, title="Mutuelle")
    second = page_actions.create_page(actor=admin, space=intranet, title="Congés")
    for reader, page in ((sellers[0], first), (sellers[0], first), (sellers[0], second)):
        page_actions.record_read(reader=reader, page=page)
    page_actions.record_read(reader=lawyers[0], page=first)
    PageRead.objects.update(day=DAY)
    aggregate_day(DAY)
    got = figures("page_reads")
    assert got[("page_reads", "")] == 3  # the same page twice the same day is one read
    assert got[("page_reads", f"department:{organisation['sales'].pk}")] == 2
    assert got[("page_reads", "department:other")] == 1
    assert got[("page_reads", f"space:{intranet.pk}")] == 3
    # Reading is doing something: both readers were active that day.
    assert figures("active_1d")[("active_1d", "")] == 2
    with translation.override("en"):
        assert "Page reads" in dashboard(30).metric_labels


def test_newcomers_who_finished_the_checklist(organisation: dict[str, Any]) -> None:
    sellers, lawyers = organisation["sellers"], organisation["lawyers"]
    newcomers = [*sellers, *lawyers]
    for person in newcomers:
        person.date_joined = at(DAY)
        person.save(update_fields=["date_joined"])
    # Three sellers went through every step (skipped or done); another opened it only; a
    # lawyer opened it and did a step; nobody else came.
    for person in sellers[:2]:
        OnboardingState.objects.create(user=person, skipped=list(STEP_KEYS))
    OnboardingState.objects.create(user=sellers[2], done=list(STEP_KEYS))
    OnboardingState.objects.create(user=sellers[3])
    OnboardingState.objects.create(user=lawyers[0], done=["app"])
    # Someone who joined long before and finished is no newcomer of the window.
    OnboardingState.objects.create(user=organisation["others"][0], skipped=list(STEP_KEYS))
    aggregate_day(DAY)
    got = figures("onboarding.")
    sales = organisation["sales"]
    assert got[("onboarding.newcomers", "")] == 9
    assert got[("onboarding.finished", "")] == 3
    assert got[("onboarding.newcomers", f"department:{sales.pk}")] == 6
    assert got[("onboarding.finished", f"department:{sales.pk}")] == 3
    assert got[("onboarding.newcomers", "department:other")] == 3
    assert got[("onboarding.finished", "department:other")] == 0
    # Arriving is not being active.
    assert not DailyFigure.objects.filter(day=DAY, metric="active_1d").exists()
    with translation.override("en"):
        board = dashboard(30)
    table = next(t for t in board.reach if t.key == "onboarding")
    assert table.rate_labels == ["Finished the checklist"]
    assert table.organisation.rates[0].share == 33
    rates = {group.name: group.rates[0] for group in table.departments}
    assert rates["Sales"].share == 50
    assert rates["Other"].share is None  # 3 newcomers: fewer than 5, no rate shown
    # A newcomer who finishes later is counted when the days are computed again.
    OnboardingState.objects.filter(user=lawyers[0]).update(skipped=list(STEP_KEYS))
    aggregate_day(DAY + timedelta(days=1))
    assert figures("onboarding.")[("onboarding.finished", "")] == 4


def test_a_request_with_an_api_token_counts_as_coming() -> None:
    person = make_user()
    _token, secret = create_api_token(user=person, name="script")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    today = timezone.localdate()
    assert api.get("/api/v1/me").status_code == 200
    assert ActiveDay.objects.filter(user=person, day=today).exists()
    # Remembered by the process: the next requests write nothing, not even after the row went.
    ActiveDay.objects.all().delete()
    cache.clear()
    with CaptureQueriesContext(connection) as again:
        assert api.get("/api/v1/me").status_code == 200
    assert not ActiveDay.objects.exists()
    assert not any("adoption_activeday" in q["sql"] for q in again.captured_queries)
    # Another process (nothing remembered): written again, once.
    forget_came()
    assert api.get("/api/v1/me").status_code == 200
    assert ActiveDay.objects.filter(user=person, day=today).count() == 1
    # A wrong token counts no one.
    assert Client(HTTP_AUTHORIZATION="Bearer nope").get("/api/v1/me").status_code == 401


def test_a_person_s_page_reads_are_in_their_export_and_go_with_an_erasure() -> None:
    reader = make_user()
    page = page_actions.create_page(
        actor=make_user(role="admin"), space=organisation_space(), title="Mutuelle"
    )
    page_actions.record_read(reader=reader, page=page)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        pages_personal_data.export(reader, ExportWriter(archive))
    with zipfile.ZipFile(buffer) as archive:
        reads = json.loads(archive.read("pages/reads.json"))
    assert [(r["page_id"], r["page__title"]) for r in reads] == [(page.pk, "Mutuelle")]
    pages_personal_data.erase(reader, ErasureRule())
    assert not PageRead.objects.filter(user=reader).exists()
