"""The administration pages: who may see them, and what each one does."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from cercle.accounts.actions import people as people_actions
from cercle.accounts.models import Department, Invitation, Organisation, Role, Site, User
from cercle.accounts.queries import ORGANISATION_CACHE_KEY, get_organisation
from cercle.administration import actions
from cercle.administration.models import ImportJob
from cercle.audit.models import AuditEntry
from tests.factories import make_admin, make_department, make_site, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _memory_mail(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def client_for(user: User | None) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def a_job(admin: User) -> ImportJob:
    return actions.start_import(
        actor=admin, filename="x.csv", data=b"email,first_name,last_name\nbad,A,B\n"
    )


PAGES = [
    "admin_people",
    "admin_invite",
    "admin_import",
    "admin_import_template",
    "admin_departments",
    "admin_sites",
    "admin_organisation",
    "admin_audit",
]


def page_urls(admin: User) -> list[str]:
    job = a_job(admin)
    return [reverse(name) for name in PAGES] + [reverse("admin_import_job", args=[job.pk])]


def post_urls(admin: User) -> list[str]:
    person = make_user()
    job = a_job(admin)
    return [
        reverse("admin_set_role", args=[person.pk]),
        reverse("admin_deactivate", args=[person.pk]),
        reverse("admin_reactivate", args=[person.pk]),
        reverse("admin_resend_invitation", args=[person.pk]),
        reverse("admin_import_valid_rows", args=[job.pk]),
        reverse("admin_import_cancel", args=[job.pk]),
    ]


@pytest.mark.parametrize("who", ["anonymous", "deactivated"])
def test_anonymous_and_deactivated_people_are_sent_to_log_in(who: str) -> None:
    admin = make_admin()
    user = None if who == "anonymous" else make_user(role=Role.ADMIN, is_active=False)
    client = client_for(user)
    for url in page_urls(admin):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url
    for url in post_urls(admin):
        response = client.post(url, {"role": "admin"})
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url
    assert not AuditEntry.objects.filter(action__startswith="accounts.role").exists()


@pytest.mark.parametrize("role", [Role.GUEST, Role.MEMBER])
def test_people_who_are_not_admins_get_403(role: str) -> None:
    admin = make_admin()
    client = client_for(make_user(role=role))
    for url in page_urls(admin):
        assert client.get(url).status_code == 403, url
    for url in post_urls(admin):
        assert client.post(url, {"role": "admin"}).status_code == 403, url
    assert User.objects.filter(role=Role.ADMIN).count() == 1


def test_admins_see_every_page() -> None:
    admin = make_admin()
    client = client_for(admin)
    for url in page_urls(admin):
        response = client.get(url)
        assert response.status_code == 200, url
    # The sub-navigation is on each page.
    body = client.get(reverse("admin_people")).content.decode()
    for name in PAGES[:1] + PAGES[2:3] + PAGES[4:]:
        assert f'href="{reverse(name)}"' in body


def test_missing_people_and_jobs_are_404_for_admins() -> None:
    client = client_for(make_admin())
    assert client.post(reverse("admin_deactivate", args=[999999])).status_code == 404
    assert client.get(reverse("admin_import_job", args=[999999])).status_code == 404


# --- People list ------------------------------------------------------------------------------


def test_people_list_filters_and_costs_a_fixed_number_of_queries(
    django_assert_max_num_queries: Any,
) -> None:
    admin = make_admin(first_name="Ada", last_name="Admin")
    finance = make_department("Finance")
    site = make_site("Paris")
    for n in range(30):
        make_user(first_name="Hélène", last_name=f"Durand{n}", department=finance, site=site)
    invited = people_actions.invite_person(
        actor=admin, email="new@example.org", first_name="Nouvelle", last_name="Venue", send=False
    )
    gone = make_user(first_name="Parti", last_name="Ailleurs")
    people_actions.deactivate_person(actor=admin, person=gone)
    client = client_for(admin)
    url = reverse("admin_people")
    client.get(url)  # the first request records the session
    # The same number of queries for 1 person and for a full page of 25.
    with CaptureQueriesContext(connection) as one:
        client.get(url, {"role": "admin"})
    assert len(one) <= 15
    with django_assert_max_num_queries(len(one)):
        response = client.get(url)
    assert response.status_code == 200
    with django_assert_max_num_queries(len(one)):
        client.get(url, {"page": 2, "status": "active", "q": "durand"})
    assert "33 people" in client.get(url).content.decode()

    body = client.get(url, {"q": "helene"}).content.decode()
    assert "30 people" in body and "Hélène" in body
    body = client.get(url, {"status": "invited"}).content.decode()
    assert "1 person" in body and "Nouvelle" in body
    body = client.get(url, {"status": "deactivated"}).content.decode()
    assert "1 person" in body and "Parti" in body and "Reactivate" in body
    body = client.get(url, {"status": "active"}).content.decode()
    assert "31 people" in body
    body = client.get(url, {"role": "admin"}).content.decode()
    assert "1 person" in body and "Ada" in body
    body = client.get(url, {"department": finance.pk}).content.decode()
    assert "30 people" in body
    assert invited.pk


def test_set_role_deactivate_reactivate_and_resend_from_the_list(
    django_capture_on_commit_callbacks: Any,
) -> None:
    admin = make_admin()
    person = make_user(first_name="Zoé")
    client = client_for(admin)
    response = client.post(reverse("admin_set_role", args=[person.pk]), {"role": "staff"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.role == Role.STAFF
    client.post(reverse("admin_deactivate", args=[person.pk]))
    person.refresh_from_db()
    assert not person.is_active
    client.post(reverse("admin_reactivate", args=[person.pk]))
    person.refresh_from_db()
    assert person.is_active
    invited = people_actions.invite_person(
        actor=admin, email="inv@example.org", first_name="I", last_name="V", send=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin_resend_invitation", args=[invited.pk]))
    assert Invitation.objects.get(user=invited).sent_at is not None


def test_deactivate_asks_for_confirmation_then_offers_undo() -> None:
    admin = make_admin()
    person = make_user(first_name="Zoé", last_name="Roux")
    client = client_for(admin)
    # The list links to a confirmation page; following it changes nothing yet.
    body = client.get(reverse("admin_people")).content.decode()
    confirm_url = reverse("admin_deactivate", args=[person.pk])
    assert f'href="{confirm_url}?next=' in body
    assert f'action="{confirm_url}"' not in body
    response = client.get(confirm_url, {"next": reverse("admin_people") + "?q=Zo"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Deactivate Zoé Roux?" in page
    assert "can no longer sign in" in page
    assert f'action="{confirm_url}"' in page
    assert 'value="/manage/people/?q=Zo"' in page
    person.refresh_from_db()
    assert person.is_active
    # An outside "next" is not offered back.
    page = client.get(confirm_url, {"next": "https://evil.example.com/"}).content.decode()
    assert 'name="next" value="/manage/people/"' in page
    assert 'href="https://evil' not in page
    # Confirming deactivates; the message offers "Reactivate" as a real form.
    response = client.post(confirm_url, {"next": "/manage/people/?q=Zo"}, follow=True)
    person.refresh_from_db()
    assert not person.is_active
    page = response.content.decode()
    assert "Zoé Roux is deactivated." in page
    reactivate_url = reverse("admin_reactivate", args=[person.pk])
    assert f'<form method="post" action="{reactivate_url}"' in page
    assert ">Reactivate</button>" in page
    response = client.post(reactivate_url, {"next": "/manage/people/?q=Zo"})
    assert response["Location"] == "/manage/people/?q=Zo"
    person.refresh_from_db()
    assert person.is_active


def test_manage_opens_the_overview_for_admins_and_refuses_others() -> None:
    response = client_for(make_admin()).get("/manage/")
    assert response.status_code == 200
    assert response.templates[0].name == "administration/overview.html"
    assert client_for(make_user()).get("/manage/").status_code == 403
    response = client_for(None).get("/manage/")
    assert response["Location"].startswith(reverse("account_login"))
    person = make_user()
    assert (
        client_for(make_user()).get(reverse("admin_deactivate", args=[person.pk])).status_code
        == 403
    )


def test_invite_form_labels_empty_choices_and_marks_required_fields() -> None:
    make_department(name="Finance")
    body = client_for(make_admin()).get(reverse("admin_invite")).content.decode()
    assert "---------" not in body
    assert body.count('<option value="" selected>— none —</option>') == 2
    assert "are required" in body
    email = body.split('<label for="id_email">')[1].split("</label>")[0]
    assert 'class="required-mark"' in email
    job = body.split('<label for="id_job_title">')[1].split("</label>")[0]
    assert "required-mark" not in job


def test_checkbox_labels_have_no_colon() -> None:
    body = client_for(make_admin()).get(reverse("admin_organisation")).content.decode()
    label = body.split('<label for="id_lock_hr_fields">')[1].split("</label>")[0]
    assert label == "Only administrators edit job title, department and manager"
    with translation.override("fr"):
        client = Client(headers={"Accept-Language": "fr"})
        client.force_login(make_admin())
        body = client.get(reverse("admin_organisation")).content.decode()
    label = body.split('<label for="id_lock_hr_fields">')[1].split("</label>")[0]
    assert not label.rstrip().endswith(":")


def test_refusals_are_shown_as_clear_messages() -> None:
    admin = make_admin()
    client = client_for(admin)
    response = client.post(reverse("admin_deactivate", args=[admin.pk]), follow=True)
    assert "You cannot deactivate yourself" in response.content.decode()
    response = client.post(
        reverse("admin_set_role", args=[admin.pk]), {"role": "member"}, follow=True
    )
    assert "last active administrator" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active and admin.role == Role.ADMIN


def test_the_next_parameter_only_goes_back_to_this_site() -> None:
    admin = make_admin()
    person = make_user()
    client = client_for(admin)
    response = client.post(
        reverse("admin_set_role", args=[person.pk]),
        {"role": "guest", "next": "https://evil.example.com/"},
    )
    assert response["Location"] == reverse("admin_people")


def test_invite_page_creates_the_person_and_reports_errors_at_the_field(
    django_capture_on_commit_callbacks: Any,
) -> None:
    admin = make_admin()
    department = make_department("Juridique")
    client = client_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin_invite"),
            {
                "email": "Jeanne@Example.org",
                "first_name": "Jeanne",
                "last_name": "Roux",
                "role": "member",
                "department": department.pk,
                "manager": admin.email,
            },
        )
    assert response.status_code == 302
    jeanne = User.objects.get(email="jeanne@example.org")
    assert jeanne.profile.manager == admin
    response = client.post(
        reverse("admin_invite"),
        {"email": "JEANNE@example.org", "first_name": "J", "last_name": "R", "role": "member"},
    )
    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["email"][0]
    response = client.post(
        reverse("admin_invite"),
        {
            "email": "x@example.org",
            "first_name": "J",
            "last_name": "R",
            "role": "member",
            "manager": "nobody@example.org",
        },
    )
    assert "Nobody active" in response.context["form"].errors["manager"][0]
    assert not User.objects.filter(email="x@example.org").exists()


# --- Import -----------------------------------------------------------------------------------


CSV_WITH_ONE_BAD_ROW = (
    "email;first_name;last_name;department\n"
    "anne@example.org;Anne;Leroy;Finance\n"
    "broken-email;Bruno;Petit;Finance\n"
    "carla@example.org;Carla;Moreau;\n"
)


def test_import_with_a_bad_row_reports_it_then_imports_the_valid_rows(
    django_capture_on_commit_callbacks: Any,
) -> None:
    admin = make_admin()
    make_department("Finance")
    client = client_for(admin)
    upload = SimpleUploadedFile("people.csv", CSV_WITH_ONE_BAD_ROW.encode(), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin_import"), {"file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.INVALID
    page = client.get(response["Location"]).content.decode()
    assert "Not a valid email address." in page and ">3<" in page
    assert "Nothing has been imported." in page
    assert not User.objects.filter(email="anne@example.org").exists()
    # The polled fragment, once finished, asks htmx to reload the whole page.
    fragment = client.get(response["Location"], headers={"HX-Request": "true"})
    assert fragment["HX-Refresh"] == "true"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin_import_valid_rows", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.created_count == 2
    assert job.content == ""
    assert set(
        User.objects.filter(email__in=["anne@example.org", "carla@example.org"]).values_list(
            "first_name", flat=True
        )
    ) == {"Anne", "Carla"}
    assert "2 people imported." in client.get(response["Location"]).content.decode()
    entry = AuditEntry.objects.get(action="accounts.imported")
    assert entry.new_value["created"] == 2 and entry.new_value["invalid_rows"] == 1


def test_a_valid_file_is_imported_at_once_and_can_create_places(
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(make_admin())
    data = "email,first_name,last_name,department,site\nd@example.org,D,E,Achats,Rennes\n"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin_import"),
            {"file": SimpleUploadedFile("p.csv", data.encode()), "create_missing": "on"},
        )
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE
    assert Department.objects.filter(name="Achats").exists()
    assert Site.objects.filter(name="Rennes").exists()


def test_an_unreadable_file_is_reported_at_the_field() -> None:
    client = client_for(make_admin())
    response = client.post(
        reverse("admin_import"), {"file": SimpleUploadedFile("p.csv", b"\x00\x01\x02")}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not ImportJob.objects.exists()


def test_a_bad_header_fails_the_job_with_a_message(django_capture_on_commit_callbacks: Any) -> None:
    client = client_for(make_admin())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin_import"), {"file": SimpleUploadedFile("p.csv", b"name,age\nx,3\n")}
        )
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert "Unknown columns" in client.get(response["Location"]).content.decode()


def test_cancel_an_invalid_import() -> None:
    admin = make_admin()
    job = a_job(admin)
    actions.run_import_job(job_id=job.pk)
    response = client_for(admin).post(reverse("admin_import_cancel", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED and job.content == ""


def test_the_template_download_is_an_importable_file() -> None:
    admin = make_admin()
    make_department("Finance")
    make_site("Paris")
    make_site("Lyon")
    response = client_for(admin).get(reverse("admin_import_template"))
    assert response["Content-Type"].startswith("text/csv")
    checked = people_actions.check_import(
        response.content.decode("utf-8-sig"), create_missing=False
    )
    assert checked.errors == [] and len(checked.rows) == 2


# --- Departments and sites --------------------------------------------------------------------


def test_departments_page_creates_renames_and_refuses_to_delete_a_populated_one() -> None:
    admin = make_admin()
    client = client_for(admin)
    url = reverse("admin_departments")
    client.post(url, {"action": "create", "name": "Qualité"})
    department = Department.objects.get(name="Qualité")
    client.post(url, {"action": "rename", "id": department.pk, "name": "Qualité et méthodes"})
    department.refresh_from_db()
    assert department.name == "Qualité et méthodes"
    make_user(department=department)
    response = client.post(url, {"action": "delete", "id": department.pk}, follow=True)
    assert "move them to another department first" in response.content.decode()
    assert Department.objects.filter(pk=department.pk).exists()
    response = client.post(url, {"action": "create", "name": "qualite et methodes"})
    assert response.status_code == 200 and "already used" in response.content.decode()


def test_sites_page_creates_and_deletes_an_empty_one() -> None:
    client = client_for(make_admin())
    url = reverse("admin_sites")
    client.post(url, {"action": "create", "name": "Bordeaux"})
    site = Site.objects.get(name="Bordeaux")
    client.post(url, {"action": "delete", "id": site.pk})
    assert not Site.objects.exists()


# --- Organisation -----------------------------------------------------------------------------


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (800, 400)) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    image.save(out, format=fmt, exif=exif)
    return out.getvalue()


def test_organisation_settings_apply_to_every_page_and_are_audited(
    settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    admin = make_admin()
    client = client_for(admin)
    get_organisation()  # cached
    response = client.post(
        reverse("admin_organisation"),
        {
            "name": "Dupont & Fils",
            "primary_colour": "#112233",
            "accent_colour": "#AA3355",
            "lock_hr_fields": "on",
            "signup_domains": "Dupont.fr, @dupont-fils.com",
            "logo": SimpleUploadedFile("logo.jpg", image_bytes(), "image/jpeg"),
        },
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get(pk=1)
    assert organisation.signup_domains == "dupont.fr, dupont-fils.com"
    assert organisation.accent_colour == "#aa3355" and organisation.lock_hr_fields
    assert (
        cache.get(ORGANISATION_CACHE_KEY) is None
        or cache.get(ORGANISATION_CACHE_KEY).name == "Dupont & Fils"
    )
    with Image.open(organisation.logo.path) as logo:
        assert logo.format == "PNG" and max(logo.size) <= 256
        assert "exif" not in logo.info and not logo.getexif()
    home = client_for(make_user()).get(reverse("home")).content.decode()
    assert "Dupont &amp; Fils" in home and "#112233" in home
    entry = AuditEntry.objects.get(action="administration.organisation_changed")
    assert entry.old_value["name"] == "Cercle" and entry.new_value["name"] == "Dupont & Fils"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("primary_colour", "red", "#RRGGBB"),
        ("accent_colour", "#12345G", "#RRGGBB"),
        ("signup_domains", "example.org, not a domain", "not an email domain"),
        ("primary_colour", "#ffeb3b", "too light for white text"),
        ("accent_colour", "#f0f0f0", "too light for white text"),
        ("name", "", "required"),
    ],
)
def test_organisation_bad_input_is_shown_at_the_field(field: str, value: str, message: str) -> None:
    client = client_for(make_admin())
    data = {
        "name": "Acme",
        "primary_colour": "#112233",
        "accent_colour": "#445566",
        "signup_domains": "",
        field: value,
    }
    response = client.post(reverse("admin_organisation"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Organisation.objects.filter(name="Acme").exists()


def test_a_fake_logo_is_refused(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    client = client_for(make_admin())
    response = client.post(
        reverse("admin_organisation"),
        {
            "name": "Acme",
            "primary_colour": "#112233",
            "accent_colour": "#445566",
            "logo": SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", "image/png"),
        },
    )
    assert response.status_code == 200
    assert "valid image" in " ".join(response.context["form"].errors["logo"])
    assert not Organisation.objects.filter(name="Acme").exists()


# --- Audit log --------------------------------------------------------------------------------


def test_audit_page_lists_filters_and_paginates(django_assert_max_num_queries: Any) -> None:
    admin = make_admin()
    changed = [make_user(username=f"p{n}", first_name=f"Zed{n}x") for n in range(60)]
    for person in changed:
        people_actions.set_role(actor=admin, person=person, role=Role.STAFF)
    client = client_for(admin)
    url = reverse("admin_audit")
    client.get(url)  # the first request records the session
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"action": "accounts.invited"})
    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    body = response.content.decode()
    # The role's values in words (the code stays the action's tooltip).
    assert 'title="accounts.role_changed"' in body
    assert "Member" in body and "Communication/HR team" in body
    assert "Changed a role" in body  # the code's meaning, in the reader's language
    assert '<option value="accounts.role_changed">Changed a role</option>' in body
    assert response.context["next_url"]
    with django_assert_max_num_queries(len(few)):
        second = client.get(response.context["next_url"])
    assert len(second.context["entries"]) == AuditEntry.objects.count() - 50
    firsts = {row["entry"].pk for row in response.context["entries"]}
    assert firsts.isdisjoint({row["entry"].pk for row in second.context["entries"]})
    filtered = client.get(url, {"target": "zed7X", "action": "accounts.role_changed"})
    assert [row["entry"].target_id for row in filtered.context["entries"]] == [str(changed[7].pk)]
    assert client.get(url, {"actor": "nobody-like-this"}).context["entries"] == []
    assert client.get(url, {"cursor": "garbage!"}).status_code == 200


def test_a_running_import_page_polls_its_progress_every_second() -> None:
    admin = make_admin()
    job = a_job(admin)  # queued on commit, which never comes in this test: still pending
    client = client_for(admin)
    page = client.get(reverse("admin_import_job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "<progress" in page
    fragment = client.get(
        reverse("admin_import_job", args=[job.pk]), headers={"HX-Request": "true"}
    )
    assert "HX-Refresh" not in fragment
    assert fragment.content.decode().lstrip().startswith('<div id="import-progress"')


def test_expired_invitations_are_marked_in_the_list() -> None:
    admin = make_admin()
    late = people_actions.invite_person(
        actor=admin, email="late@example.org", first_name="Lent", last_name="Retard", send=False
    )
    Invitation.objects.filter(user=late).update(expires_at="2020-01-01T00:00:00Z")
    body = client_for(admin).get(reverse("admin_people"), {"status": "invited"}).content.decode()
    assert "Retard" in body and "expired" in body


@pytest.mark.django_db(transaction=True)
def test_with_the_database_task_backend_the_worker_runs_the_import(settings: Any) -> None:
    """What `make run` does: the page queues the import; the db_worker runs it."""
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []}}
    admin = make_admin()
    client = client_for(admin)
    data = b"email,first_name,last_name\nw1@example.org,W,Un\nw2@example.org,W,Deux\n"
    response = client.post(reverse("admin_import"), {"file": SimpleUploadedFile("w.csv", data)})
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PENDING
    fragment = client.get(response["Location"], headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in fragment.content.decode()
    call_command("db_worker", batch=True, startup_delay=False, interval=0.1)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.done == job.total == 2
    assert User.objects.filter(email__in=["w1@example.org", "w2@example.org"]).count() == 2


def test_a_job_waiting_long_for_the_worker_says_so() -> None:
    admin = make_admin()
    job = a_job(admin)
    url = reverse("admin_import_job", args=[job.pk])
    assert "task worker" not in client_for(admin).get(url).content.decode()
    ImportJob.objects.filter(pk=job.pk).update(updated_at=timezone.now() - timedelta(minutes=10))
    assert "waiting for the task worker" in client_for(admin).get(url).content.decode()
