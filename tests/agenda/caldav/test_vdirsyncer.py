"""vdirsyncer (PyPI, its own command line) syncs a person's calendars both ways with a local
folder over real HTTP on loopback: discovery from the calendar home, events made in Cercle's
pages reach the folder, files written in the folder reach Cercle, changes and deletions both ways,
and a second sync with nothing changed changes nothing."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import icalendar
import pytest

from cercle.accounts.actions.auth import create_api_token
from cercle.agenda import actions
from cercle.agenda.caldav import store
from cercle.agenda.models import Event
from tests.factories import make_event, make_user

pytestmark = pytest.mark.django_db(transaction=True)

VDIRSYNCER = shutil.which("vdirsyncer") or str(Path(sys.executable).with_name("vdirsyncer"))

LOCAL_EVENT = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//vdirsyncer test//EN
BEGIN:VEVENT
UID:written-in-the-folder@test
DTSTAMP:20260101T000000Z
DTSTART;TZID=Europe/Paris:20260512T140000
DTEND;TZID=Europe/Paris:20260512T150000
RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=4
SUMMARY:Atelier du mardi
END:VEVENT
END:VCALENDAR
"""


def vdirsyncer(config: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["VDIRSYNCER_CONFIG"] = str(config)
    done = subprocess.run(
        [VDIRSYNCER, *args],
        input="y\n" * 20,  # "create this local collection?" during discovery
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.stdout + done.stderr


def local_events(folder: Path) -> dict[str, Any]:
    """UID -> the master VEVENT of each .ics in the folder."""
    found = {}
    for path in folder.glob("*.ics"):
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        masters = [e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" not in e]
        found[str(masters[0]["UID"])] = masters[0]
    return found


def path_of(folder: Path, uid: str) -> Path:
    for path in folder.glob("*.ics"):
        if uid.encode() in path.read_bytes():
            return path
    raise AssertionError(f"{uid} not in {folder}")


def test_vdirsyncer_syncs_both_ways_with_a_folder(live_server: Any, tmp_path: Path) -> None:
    person = make_user(username="camille", first_name="Camille", last_name="Martin")
    _, secret = create_api_token(user=person, name="vdirsyncer")
    calendar = actions.personal_calendar(person)
    in_cercle = make_event(
        organiser=person, title="Revue mensuelle", start=dt.datetime(2026, 5, 4, 10, 0)
    )
    # Stays all along (vdirsyncer refuses, rightly, to sync a side that became empty).
    make_event(organiser=person, title="Point fixe", start=dt.datetime(2026, 5, 6, 9, 0))
    folder = tmp_path / "calendars"
    config = tmp_path / "config"
    config.write_text(
        f"""[general]
status_path = "{tmp_path / "status"}/"

[pair agenda]
a = "cercle"
b = "folder"
collections = ["from a"]
conflict_resolution = "a wins"

[storage cercle]
type = "caldav"
url = "{live_server.url}/caldav/calendars/{person.pk}/"
username = "camille"
password = "{secret}"

[storage folder]
type = "filesystem"
path = "{folder}/"
fileext = ".ics"
"""
    )
    vdirsyncer(config, "discover", "agenda")
    # Discovery from the calendar home found the person's calendars: their own and the
    # organisation-wide space's.
    mine = folder / store.collection_name(calendar)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        store.collection_name(c) for c in store.home_calendars(person)
    )
    assert mine.is_dir()

    vdirsyncer(config, "sync")
    # Cercle → folder: the event made through Cercle's action.
    assert str(local_events(mine)[in_cercle.uid]["SUMMARY"]) == "Revue mensuelle"

    # Folder → Cercle: a new recurring event, and a change to Cercle's event.
    (mine / "written-in-the-folder.ics").write_text(LOCAL_EVENT)
    path = path_of(mine, in_cercle.uid)
    changed = path.read_text().replace("SUMMARY:Revue mensuelle", "SUMMARY:Revue de mai")
    path.write_text(changed)
    vdirsyncer(config, "sync")
    made = Event.objects.get(uid="written-in-the-folder@test")
    assert made.calendar_id == calendar.pk and made.title == "Atelier du mardi"
    assert "COUNT=4" in made.rule and "BYDAY=TU" in made.rule
    in_cercle.refresh_from_db()
    assert in_cercle.title == "Revue de mai"

    # Cercle → folder again: a change made in Cercle, then a deletion made in Cercle.
    actions.change_event(
        actor=person, event=made, details=actions.Details(title="Atelier (salle 2)")
    )
    actions.cancel_event(actor=person, event=in_cercle)
    vdirsyncer(config, "sync")
    events = local_events(mine)
    assert str(events["written-in-the-folder@test"]["SUMMARY"]) == "Atelier (salle 2)"
    assert in_cercle.uid not in events

    # Folder → Cercle: a deletion made in the folder.
    path_of(mine, "written-in-the-folder@test").unlink()
    vdirsyncer(config, "sync")
    assert not Event.objects.filter(uid="written-in-the-folder@test").exists()

    # Nothing changed on either side: a sync changes nothing.
    before = sorted(p.name for p in mine.iterdir())
    count = Event.objects.filter(calendar=calendar).count()
    vdirsyncer(config, "sync")
    assert sorted(p.name for p in mine.iterdir()) == before
    assert Event.objects.filter(calendar=calendar).count() == count
