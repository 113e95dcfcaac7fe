"""Space pages: browse and search, create, join, request and answer, invite, roles, archive."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cercle.spaces.models import JoinRequest, Membership, Space, SpaceInvitation
from tests.factories import add_member, make_department, make_guest, make_space, make_user

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_browse_lists_my_spaces_first_and_hides_secret_ones() -> None:
    me = make_user()
    make_space(name="Alpha open")
    mine = make_space(name="Zeta private", kind="private", members=(me,))
    make_space(name="Hidden secret", kind="secret")
    text = client_for(me).get("/spaces/").content.decode()
    assert text.index("Zeta private") < text.index("Alpha open")
    assert "Hidden secret" not in text
    assert "Zeta" in client_for(me).get("/spaces/?q=zeta").content.decode()
    assert "Alpha" not in client_for(me).get("/spaces/?q=zeta").content.decode()
    assert mine.pk


def test_create_space_form_with_errors_at_the_field() -> None:
    me = make_user()
    client = client_for(me)
    bad = client.post("/spaces/new/", {"name": "", "kind": "open"})
    assert bad.status_code == 400
    assert b"errorlist" in bad.content
    ok = client.post(
        "/spaces/new/", {"name": "Club vélo", "kind": "open", "modules": ["wall", "chat"]}
    )
    space = Space.objects.get(name="Club vélo")
    assert ok.status_code == 302 and ok["Location"] == f"/spaces/{space.slug}/"
    assert client_for(make_guest()).get("/spaces/new/").status_code == 403


def test_secret_space_page_is_not_found_for_outsiders() -> None:
    space = make_space(kind="secret")
    assert client_for(make_user()).get(f"/spaces/{space.slug}/").status_code == 404
    assert client_for(make_user()).get("/spaces/does-not-exist/").status_code == 404


def test_join_request_and_answer_through_pages() -> None:
    owner, bob = make_user(), make_user()
    space = make_space(owner=owner, kind="request")
    page = client_for(bob).get(f"/spaces/{space.slug}/").content.decode()
    assert "Only members can read" in page or "Seuls les membres" in page
    client_for(bob).post(f"/spaces/{space.slug}/request/", {"message": "Hello"})
    request = JoinRequest.objects.get(space=space, user=bob)
    members = client_for(owner).get(f"/spaces/{space.slug}/members/").content.decode()
    assert "Hello" in members
    response = client_for(owner).post(f"/spaces/requests/{request.pk}/decide/", {"accept": "1"})
    assert response.status_code == 302
    assert Membership.objects.filter(space=space, user=bob).exists()
    # Someone else cannot decide (not found).
    other = JoinRequest.objects.create(space=space, user=make_user())
    assert (
        client_for(bob).post(f"/spaces/requests/{other.pk}/decide/", {"accept": "1"}).status_code
        == 404
    )


def test_invite_by_username_and_department_then_accept() -> None:
    owner = make_user()
    dept = make_department()
    colleague = make_user(username="colleague")
    d1 = make_user(department=dept)
    space = make_space(owner=owner, kind="private")
    client = client_for(owner)
    unknown = client.post(f"/spaces/{space.slug}/members/", {"usernames": "nobody-here"})
    assert unknown.status_code == 400 and b"nobody-here" in unknown.content
    client.post(f"/spaces/{space.slug}/members/", {"usernames": "colleague", "department": dept.pk})
    assert set(SpaceInvitation.objects.filter(space=space).values_list("user_id", flat=True)) == {
        colleague.pk,
        d1.pk,
    }
    invitation = SpaceInvitation.objects.get(user=colleague)
    home = client_for(colleague).get("/").content.decode()
    assert space.name in home
    client_for(colleague).post(f"/spaces/invitations/{invitation.pk}/respond/", {"accept": "1"})
    assert Membership.objects.filter(space=space, user=colleague).exists()


def test_an_unknown_name_does_not_block_the_known_ones_and_is_named() -> None:
    owner = make_user()
    camille = make_user(username="camille.martin")
    bruno = make_user(username="bruno", email="bruno@example.org")
    space = make_space(owner=owner, kind="private")
    client = client_for(owner)
    response = client.post(
        f"/spaces/{space.slug}/members/",
        {"usernames": "@camille.martin, inconnu.xyz; bruno@example.org autre-inconnu"},
    )
    assert response.status_code == 200
    assert set(SpaceInvitation.objects.filter(space=space).values_list("user_id", flat=True)) == {
        camille.pk,
        bruno.pk,
    }
    page = response.content.decode()
    assert "2 invitations sent." in page
    assert "Nobody found for: inconnu.xyz, autre-inconnu." in page
    # The names not found stay in the field, to be corrected.
    assert 'value="inconnu.xyz, autre-inconnu"' in page
    assert 'aria-invalid="true"' in page
    # Only unknown names: a 400, nothing sent.
    response = client.post(f"/spaces/{space.slug}/members/", {"usernames": "personne"})
    assert response.status_code == 400
    assert SpaceInvitation.objects.filter(space=space).count() == 2
    # All known: back to the list.
    other = make_user(username="dora")
    response = client.post(f"/spaces/{space.slug}/members/", {"usernames": "dora"})
    assert response.status_code == 302
    assert SpaceInvitation.objects.filter(space=space, user=other).exists()


def test_the_invite_field_suggests_people_from_the_people_autocomplete() -> None:
    owner = make_user()
    space = make_space(owner=owner, kind="private")
    page = client_for(owner).get(f"/spaces/{space.slug}/members/").content.decode()
    assert 'data-mentions="/people/autocomplete/" data-mentions-bare' in page
    assert "cercle/js/mentions.js" in page


def test_a_second_space_with_the_same_name_is_refused_ignoring_case_and_accents() -> None:
    me = make_user()
    make_space(name="Club Vélo")
    client = client_for(me)
    response = client.post("/spaces/new/", {"name": "  club velo ", "kind": "open"})
    assert response.status_code == 400
    assert "A space named “Club Vélo” already exists" in response.content.decode()
    assert Space.objects.filter(name__istartswith="club").count() == 1
    # Another name that merely starts the same way is fine.
    assert client.post("/spaces/new/", {"name": "Club vélo 2", "kind": "open"}).status_code == 302
    # A secret space the person cannot see does not reveal its name.
    make_space(name="Projet Hermès", kind="secret")
    assert client.post("/spaces/new/", {"name": "Projet Hermes", "kind": "open"}).status_code == 302


def test_roles_remove_leave_and_archive_pages() -> None:
    owner, member = make_user(), make_user()
    space = make_space(owner=owner, members=(member,))
    client = client_for(owner)
    client.post(f"/spaces/{space.slug}/members/{member.pk}/role/", {"role": "moderator"})
    assert Membership.objects.get(space=space, user=member).role == "moderator"
    # The last owner cannot leave: a message, nothing changed.
    client.post(f"/spaces/{space.slug}/leave/")
    assert Membership.objects.filter(space=space, user=owner, role="owner").exists()
    client.post(f"/spaces/{space.slug}/members/{member.pk}/remove/")
    assert not Membership.objects.filter(space=space, user=member).exists()
    client.post(f"/spaces/{space.slug}/archive/")
    space.refresh_from_db()
    assert space.is_archived
    client.post(f"/spaces/{space.slug}/archive/", {"restore": "1"})
    space.refresh_from_db()
    assert not space.is_archived
    assert client_for(member).get(f"/spaces/{space.slug}/settings/").status_code == 403


def test_join_open_space_and_post_on_its_wall() -> None:
    me = make_user()
    space = make_space()
    client = client_for(me)
    client.post(f"/spaces/{space.slug}/join/")
    client.post("/posts/", {"space": space.pk, "body": "Bonjour #vélo"})
    page = client.get(f"/spaces/{space.slug}/").content.decode()
    assert "Bonjour" in page and 'class="hashtag"' in page


def test_guests_do_not_find_open_spaces() -> None:
    guest = make_guest()
    space = make_space()
    assert client_for(guest).get(f"/spaces/{space.slug}/").status_code == 404
    add_member(space, guest)
    assert client_for(guest).get(f"/spaces/{space.slug}/").status_code == 200


def test_space_image_is_processed_and_bad_files_refused(settings: Any, tmp_path: Any) -> None:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), "blue").save(buffer, format="PNG")
    me = make_user()
    client = client_for(me)
    bad = client.post(
        "/spaces/new/",
        {"name": "Bad", "kind": "open", "image": SimpleUploadedFile("x.png", b"not an image")},
    )
    assert bad.status_code == 400 and not Space.objects.filter(name="Bad").exists()
    client.post(
        "/spaces/new/",
        {"name": "Pretty", "kind": "open", "image": SimpleUploadedFile("p.png", buffer.getvalue())},
    )
    space = Space.objects.get(name="Pretty")
    assert space.image.name.startswith("spaces/") and space.image.name.endswith(".jpg")
    with Image.open(space.image.path) as stored:
        assert stored.width == stored.height
    assert space.image.url in client.get(f"/spaces/{space.slug}/").content.decode()


def test_the_create_link_and_page_follow_may_create_space() -> None:
    for person, allowed in ((make_user(), True), (make_guest(), False)):
        client = client_for(person)
        assert ('href="/spaces/new/"' in client.get("/spaces/").content.decode()) is allowed
        assert (client.get("/spaces/new/").status_code == 200) is allowed
