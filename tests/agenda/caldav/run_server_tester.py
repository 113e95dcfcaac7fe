"""Runs `caldav-server-tester` (its own command line, JSON report on stdout) with one fix to its
set-up: it stores its to-do fixtures in a calendar made for them with MKCALENDAR when the
calendar under test refuses VTODO, and does not catch that MKCALENDAR's refusal (its journal
set-up does), so against a server with neither (Cercle before it served MKCALENDAR and to-dos)
every check after the set-up came out "unknown". Here that refusal grades `save-load.todo`
unsupported, as the journal set-up does for journals; nothing else is changed (kept for such
servers; Cercle now stores to-dos in the calendar under test)."""

from __future__ import annotations

import sys
from typing import Any

from caldav.lib.error import DAVError
from caldav_server_tester import check_server_compatibility, checks

_prepare_tasks = checks.PrepareCalendar._prepare_task_calendar


def _prepare_tasks_without_mkcalendar(self: Any, cal_id: str, name: str, add: Any) -> bool:
    try:
        return bool(_prepare_tasks(self, cal_id, name, add))
    except DAVError:
        self.set_feature("save-load.todo", False)
        return False


checks.PrepareCalendar._prepare_task_calendar = _prepare_tasks_without_mkcalendar

if __name__ == "__main__":
    sys.argv[0] = "caldav-server-tester"
    sys.exit(check_server_compatibility())
