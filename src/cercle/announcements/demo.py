"""The announcements of the demo organisation's month (`seed_demo`): added to the feed's plan of the
month (`cercle.feed.hooks.DemoMonthPlanned`), so that they and their confirmations run in date order
with the posts, each step dated."""

from __future__ import annotations

import datetime
from functools import partial

from cercle.accounts.models import Department, User
from cercle.announcements import actions
from cercle.announcements.models import Announcement
from cercle.core.demo import demo_time
from cercle.feed.demo import DemoMonth
from cercle.spaces import queries as space_queries


def seed_announcements(demo: DemoMonth) -> None:
    """The announcements of the demo's month, with the confirmations people gave (kept in one
    function: announcements have their own actions)."""
    organisation = space_queries.organisation_space()
    author = demo.people.get("julie.fournier")
    hr = demo.people.get("francois.girard")
    if author is None or hr is None:
        return
    published = demo_time(demo.now, 6, 10, 0)
    holder: dict[str, Announcement] = {}

    def publish() -> None:
        holder["announcement"] = actions.publish_announcement(
            actor=author,
            space=organisation,
            body="**Nouvelle mutuelle au 1er janvier** : les garanties, les tarifs et le "
            "formulaire d'adhésion sont dans la note ci-dessous. Merci de confirmer votre "
            "lecture avant le 20. #rh",
            requires_ack=True,
        )
        demo.count("announcements")

    demo.add(published, publish)
    readers = sorted(
        (u for u in demo.people.values() if not u.is_guest and u.pk != author.pk),
        key=lambda u: u.pk,
    )
    confirming = demo.rng.sample(readers, k=min(len(readers), (len(readers) * 2) // 3))

    def confirm(person: User) -> None:
        announcement = holder.get("announcement")
        if announcement is not None:
            actions.acknowledge(actor=person, announcement=announcement)
            demo.count("confirmations")

    for i, person in enumerate(sorted(confirming, key=lambda u: u.pk)):
        at = published + datetime.timedelta(minutes=20 + i * 97)
        demo.add(min(at, demo.now), partial(confirm, person))

    production = Department.objects.filter(slug="production").first()
    if production is not None:
        targeted = demo_time(demo.now, 3, 8, 30)

        def publish_targeted() -> None:
            actions.publish_announcement(
                actor=hr,
                space=organisation,
                body="Production : les **visites médicales annuelles** ont lieu à Nantes du "
                "14 au 18. Votre créneau est affiché au tableau de l'atelier. #sante",
                departments=[production],
            )
            demo.count("announcements")

        demo.add(targeted, publish_targeted)
