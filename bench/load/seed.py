"""Seeding for the mixed-load test: the people and the wall at scale (bench/feed_bench.py's
`seed`: `seed_demo --scale N` then `seed_feed`), then what the simulated people talk in.

`seed_people_and_wall` reuses feed_bench's seeding unchanged. `seed_conversations` adds, among
the generated people `scale-000001` … `scale-N` (password `cercle-demo`, argon2-hashed like every
account), through the chat's own actions:

- direct conversations: person i with i+1 and i+3 (so each person has about four partners, and
  the partners of the first K people are mostly among the first K: online together);
- group conversations of six: blocks 0–5, 6–11, … and the same shifted by three (two groups each);
- one space, "Load channel", whose first `channel` people are members, with its chat channel
  (a space channel of a few hundred members: every message goes to all of them).

`index_for_search` then rebuilds the search index over everything seeded (bulk writes send no
signal to the index), so that global search looks through the 600,000 posts and comments as a
real installation's would. `seed_conversations` writes `fixture.json`: for each person (in the
order the simulated people take them) the id, username, a few spaces they belong to (id and slug:
walls, composer, documents), their conversations, and each conversation's members (the
tracker's expected recipients).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from common import manage  # noqa: E402  (bench/common.py)
from feed_bench import seed as feed_seed  # noqa: E402  (bench/feed_bench.py)

FIXTURE_CODE = """
import json
from django.db import transaction
from cercle.accounts.models import User
from cercle.chat import actions as chat
from cercle.chat.models import Conversation, Membership as ChatMembership
from cercle.spaces import actions as space_actions
from cercle.spaces.models import Membership, Space
from cercle.spaces.queries import organisation_space

n, channel_size, out = {people}, {channel}, {out!r}
names = [f"scale-{{i:06d}}" for i in range(1, n + 1)]
by_name = {{u.username: u for u in User.objects.filter(username__in=names)}}
people = [by_name[name] for name in names if name in by_name]
if len(people) < n:
    raise SystemExit(f"only {{len(people)}} of {{n}} generated people: seed_demo --scale first")

def direct(a, b):
    return chat.start_direct_conversation(actor=a, other=b)  # the existing one if there is one

pairs = set()
for i in range(n):
    for step in (1, 3):
        j = (i + step) % n
        if i != j:
            pairs.add((min(i, j), max(i, j)))
for i, j in sorted(pairs):
    direct(people[i], people[j])

existing_groups = {{
    c.name: c for c in Conversation.objects.filter(kind=Conversation.Kind.GROUP,
                                                  name__startswith="Load group ")
}}
for shift in (0, 3):
    for start in range(shift, n - 5, 6):
        name = f"Load group {{start}}"
        if name not in existing_groups:
            chat.create_group_conversation(actor=people[start], name=name,
                                           members=people[start + 1:start + 6])

channel_people = people[:channel_size]
space = Space.objects.filter(name="Load channel").first()
if space is None and channel_people:
    space = space_actions.create_space(actor=channel_people[0], name="Load channel")
if space is not None:
    have = set(Membership.objects.filter(space=space).values_list("user_id", flat=True))
    Membership.objects.bulk_create(
        [Membership(space=space, user=u) for u in channel_people if u.pk not in have],
        batch_size=1000,
    )
    chat.open_channel_for(actor=channel_people[0], space_slug=space.slug)
    for u in channel_people:
        chat.add_space_member(space_id=space.pk, user=u)

ids = [u.pk for u in people]
members = {{}}
for conversation_id, user_id in ChatMembership.objects.filter(
    user_id__in=ids
).values_list("conversation_id", "user_id"):
    members.setdefault(conversation_id, []).append(user_id)
conversations = {{
    c.pk: c.kind for c in Conversation.objects.filter(pk__in=list(members))
}}
# Every member (also those outside the simulated pool) for the expected recipients.
all_members = {{}}
for conversation_id, user_id in ChatMembership.objects.filter(
    conversation_id__in=list(members)
).values_list("conversation_id", "user_id"):
    all_members.setdefault(conversation_id, []).append(user_id)
spaces = {{}}
for user_id, space_id, slug in Membership.objects.filter(user_id__in=ids).exclude(
    space__name="Load channel"
).order_by("space_id").values_list("user_id", "space_id", "space__slug"):
    if len(spaces.setdefault(user_id, [])) < 5:
        spaces[user_id].append([space_id, slug])
org = organisation_space()
channel = Conversation.objects.filter(space_id=space.pk).first() if space else None
channel_id = channel.pk if channel else None
fixture = {{
    "organisation": [org.pk, org.slug],
    "channel": channel_id,
    "people": [
        {{
            "id": u.pk,
            "username": u.username,
            "spaces": spaces.get(u.pk) or [[org.pk, org.slug]],
            "conversations": {{
                kind: [c for c in members if conversations.get(c) == kind and u.pk in members[c]]
                for kind in ("direct", "group", "space")
            }},
        }}
        for u in people
    ],
    "members": {{str(c): sorted(v) for c, v in all_members.items()}},
    "kinds": {{str(c): k for c, k in conversations.items()}},
}}
with open(out, "w") as f:
    json.dump(fixture, f)
print(f"FIXTURE {{len(fixture['people'])}} people, {{len(conversations)}} conversations")
"""


def seed_people_and_wall(
    env: dict[str, str], *, people: int, spaces: int, posts: int, big_space: int
) -> None:
    """feed_bench's seeding, as it is: generated people, spaces, posts, comments, reactions;
    then the demo organisation's month (`seed_feed --demo`: intranet pages, document libraries,
    agenda events, announcements), which `seed_demo --scale` leaves out."""
    feed_seed(
        argparse.Namespace(
            people=people, spaces=spaces, posts=posts, big_space=big_space, viewer="scale-000001"
        ),
        env,
    )
    manage(env, "seed_feed", "--demo")


def index_for_search(env: dict[str, str], workdir: Path, sizes: dict[str, Any]) -> bool:
    """Index what was seeded, as a real installation's index holds it: the seeding writes in
    bulk, which sends no signal, so without this global search would look through the demo
    content only. Once per seeding (`search-indexed.json` beside `seeded.json`); the rebuild
    prints how long it took."""
    marker = workdir / "search-indexed.json"
    if marker.exists() and json.loads(marker.read_text()) == sizes:
        return False
    started = time.monotonic()
    print("    indexing the seeded content for search (rebuild_search_index)…", flush=True)
    manage(env, "rebuild_search_index", "--batch", "2000", "--state", str(workdir / "rebuild.json"))
    marker.write_text(json.dumps(sizes))
    print(f"    indexed in {time.monotonic() - started:.0f} s", flush=True)
    return True


def seed_conversations(env: dict[str, str], *, people: int, channel: int, out: Path) -> Any:
    """Conversations among the first `people` generated people; writes and returns the fixture."""
    code = FIXTURE_CODE.format(people=people, channel=min(channel, people), out=str(out))
    manage(env, "shell", "-c", code)
    return json.loads(out.read_text())


JOIN_DATES_CODE = """
from datetime import timedelta
from django.utils import timezone
from cercle.accounts.models import User

people = User.objects.filter(username__startswith="scale-")
people.update(date_joined=timezone.now() - timedelta(days=400))
newcomers = [pk for pk in people.values_list("pk", flat=True) if pk % 50 == 0]
User.objects.filter(pk__in=newcomers).update(date_joined=timezone.now() - timedelta(days=12))
"""


def spread_join_dates(env: dict[str, str]) -> None:
    """As in an organisation: most people joined long ago, one in fifty this month (a newcomer,
    whose home page shows the onboarding checklist). `seed_demo --scale` makes everyone join
    on the day it runs, which made every simulated person a newcomer. Run at every start (the
    newcomer period is counted from now)."""
    manage(env, "shell", "-c", JOIN_DATES_CODE)
