"""What the home page's audit entries mean (registered by its `apps.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.audit.labels import register_actions

ACTIONS = {
    "homepage.link_added": _("Added a link to the home page or the menu"),
    "homepage.link_changed": _("Changed a link of the home page or the menu"),
    "homepage.link_moved": _("Moved a link of the home page or the menu"),
    "homepage.link_removed": _("Removed a link of the home page or the menu"),
    "homepage.parts_changed": _("Changed the parts of the home page"),
}


def register() -> None:
    register_actions(ACTIONS)
