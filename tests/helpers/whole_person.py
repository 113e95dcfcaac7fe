"""What a whole person is (tests/accounts/test_whole_person.py checks every way an account comes
to exist gives one): a profile (their own page answers), a directory entry (found by name by a
colleague, and in the site's search) and the organisation space (an implied member)."""

from __future__ import annotations

from django.test import Client

from cercle.accounts.models import Profile, User
from cercle.search.models import SearchDocument
from cercle.spaces.models import SpaceRole
from cercle.spaces.queries import can_read_wall, effective_role, organisation_space
from tests.factories import make_admin


def assert_whole_person(user: User, *, name: str) -> None:
    """`name` is a word of their name, searched for in the directory by a colleague."""
    user.refresh_from_db()
    profile = Profile.objects.get(user=user)
    assert profile.sort_name, "the directory sorts by this column"
    assert name.lower() in profile.search_text
    own = Client(HTTP_ACCEPT_LANGUAGE="en")
    own.force_login(user)
    assert own.get(f"/people/{user.username}/").status_code == 200
    colleague = Client(HTTP_ACCEPT_LANGUAGE="en")
    colleague.force_login(make_admin(username=f"colleague-of-{user.pk}"))
    directory = colleague.get("/people/", {"q": name}).content.decode()
    assert f"/people/{user.username}/" in directory
    # In the site's search too, however they were made (bulk creation sends no model signal).
    assert SearchDocument.objects.filter(kind="person", object_id=user.pk).exists()
    space = organisation_space()
    assert can_read_wall(user, space)
    assert effective_role(user, space) in {SpaceRole.MEMBER, SpaceRole.OWNER, SpaceRole.ADMIN}
