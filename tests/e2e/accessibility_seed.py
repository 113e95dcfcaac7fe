"""The data behind the accessibility test's pages (tests/e2e/test_accessibility.py).

Run once per test session inside the server's own database (`ServerSite.python`): the demo
organisation, then people of our own — a member, a space admin, an IT admin and someone with
two-factor authentication — with what fills every page they can reach (a space with a pending
request and invitation, posts with comments, reactions, a mention and a hashtag, a report in the
moderation queue, an announcement, conversations, notifications, an import job, an invitation).
`seed()` returns what the page URLs need (usernames, ids, slugs) as JSON-friendly values.
"""

from __future__ import annotations

from typing import Any

PASSWORD = "correct horse battery staple"
INVITATION_SECRET = "accessibility-test-invitation-secret-0123456789"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def seed() -> dict[str, Any]:
    import io
    from datetime import timedelta

    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP
    from django.db import transaction
    from django.utils import timezone

    from cercle.accounts.actions.seed import seed_demo_content, seed_demo_organisation
    from cercle.accounts.models import Department, Invitation, Role, Site, User
    from cercle.accounts.tokens import hash_token
    from cercle.administration import actions as admin_actions
    from cercle.adoption.actions import aggregate_day
    from cercle.announcements import actions as announcement_actions
    from cercle.announcements.models import Announcement
    from cercle.chat import actions as chat_actions
    from cercle.directory import actions as directory_actions
    from cercle.directory.models import RunStatus, SyncRun
    from cercle.documents import actions as document_actions
    from cercle.documents.models import Blob
    from cercle.feed import actions as feed_actions
    from cercle.feed.models import Hashtag
    from cercle.pages import actions as page_actions
    from cercle.provisioning import actions as provisioning_actions
    from cercle.spaces import actions as space_actions
    from cercle.spaces import queries as space_queries
    from cercle.sso import actions as sso_actions
    from tests.factories import give_skill, make_user
    from tests.helpers.samples import pdf as _pdf

    seed_demo_organisation()
    seed_demo_content()
    department = Department.objects.order_by("pk").first()
    site = Site.objects.order_by("pk").first()
    assert department is not None and site is not None
    # Someone with a manager and reports, for the org chart.
    boss = (
        User.objects.filter(direct_report_profiles__isnull=False, profile__manager__isnull=False)
        .order_by("pk")
        .first()
    )
    with transaction.atomic():
        member = make_user(
            username="marie.lambert",
            first_name="Marie",
            last_name="Lambert",
            job_title="Chargée de communication",
            department=department,
            site=site,
            manager=boss,
            bio="J'écris la **lettre interne** et j'aime le vélo.",
        )
        owner = make_user(
            username="samuel.owner", first_name="Samuel", last_name="Nguyen", site=site
        )
        admin = make_user(
            username="dsi.admin", first_name="Agnès", last_name="Martin", role=Role.ADMIN
        )
        other = make_user(username="zoe.roux", first_name="Zoé", last_name="Roux")
        # Two-factor authentication on: the pages to turn it off and to see the recovery codes.
        secure = make_user(username="paul.secure", first_name="Paul", last_name="Lefèvre")
        TOTP.activate(secure, TOTP_SECRET)
        recovery_codes = RecoveryCodes.activate(secure).get_unused_codes()
        give_skill(member, "Rédaction", level=3)
        give_skill(member, "Photographie", level=1)

        space = space_actions.create_space(
            actor=owner,
            name="Atelier accessibilité",
            description="Rendre nos outils utilisables par tout le monde.",
            kind="request",
        )
        join = space_actions.request_to_join(actor=member, space=space)
        space_actions.decide_join_request(actor=owner, join_request=join, accept=True)
        space_actions.request_to_join(actor=other, space=space, message="Je peux aider ?")
        space_actions.invite(actor=owner, space=space, users=[admin])

        post = feed_actions.create_post(
            actor=member,
            space=space,
            body=f"Premier audit RGAA : **12 critères** à revoir. @{owner.username} #accessibilite",
        )
        comment = feed_actions.add_comment(actor=owner, post=post, body="Merci, je regarde.")
        mine = feed_actions.add_comment(actor=member, post=post, body="Le rapport arrive.")
        feed_actions.add_comment(actor=member, post=post, body="Réponse.", parent=comment)
        feed_actions.react(actor=owner, post=post, kind="like")
        owners_post = feed_actions.create_post(
            actor=owner, space=space, body="Réunion jeudi à 10 h, salle Lumière."
        )
        feed_actions.report(actor=member, post=owners_post, reason="spam", details="Doublon.")
        feed_actions.edit_post(actor=member, post=post, body=post.body + " (corrigé)")
        feed_actions.create_post(actor=member, body=f"Sur mon mur, bonjour @{other.username}")

        news = feed_actions.create_post(
            actor=admin,
            space=space_queries.organisation_space(),
            body="Maintenance de la messagerie samedi matin.",
        )
        announcement = announcement_actions.announce(actor=admin, post=news, requires_ack=True)

        handbook = page_actions.create_page(
            actor=owner,
            space=space,
            title="Guide du projet",
            body="# Guide\n\n## Rôles\n\n## Outils\n\nVoir [[Réunions]].",
        )
        meetings = page_actions.create_page(
            actor=owner, space=space, title="Réunions", body="Chaque jeudi.", parent=handbook
        )
        page_actions.edit_page(
            actor=member,
            page=meetings,
            title="Réunions",
            body="Chaque jeudi à 10 h.\n\n| Jour | Salle |\n|---|---|\n| jeudi | Lumière |",
            base_revision=1,
            summary="Heure et salle",
        )
        # Past its review date (the report of pages to review lists it), and watched.
        page_actions.set_review(
            actor=owner,
            page=handbook,
            review=page_actions.Review(
                owner=owner, review_by=timezone.localdate() - timedelta(days=9), interval=6
            ),
        )
        page_actions.watch_page(actor=member, page=handbook)
        # Comments and reactions under a page: the member's own (edit and delete buttons).
        page_comment = page_actions.add_comment(
            actor=member, page=meetings, body="Merci, **noté** pour jeudi."
        )
        page_actions.add_comment(actor=owner, page=meetings, body="La salle change en mars.")
        page_actions.react(actor=owner, page=meetings, kind="like")

        direct = chat_actions.start_direct_conversation(actor=member, other=owner)
        for n, (who, body) in enumerate(
            [
                (member, "Bonjour, tu as vu l'audit ?"),
                (owner, f"Oui ! @{member.username} je le lis ce soir."),
                (member, "Merci **beaucoup**."),
            ]
        ):
            chat_actions.send_message(
                actor=who, conversation_id=direct.pk, body=body, client_id=f"a11y-{n}"
            )
        group = chat_actions.create_group_conversation(
            actor=member, name="Équipe com", members=[owner, other]
        )

        # SCIM tokens: one in use, one revoked (the provisioning page lists both).
        provisioning_actions.create_token(actor=admin, name="Entra ID")
        revoked, _secret = provisioning_actions.create_token(actor=admin, name="Okta (old)")
        provisioning_actions.revoke_token(actor=admin, token=revoked)
        # A SCIM group mapped to the space (the provisioning page lists the mappings).
        provisioning_actions.add_group_rule(
            actor=admin, match_by="display_name", value="Communication", space=space
        )

        job = admin_actions.start_import(
            actor=admin,
            filename="people.csv",
            data=b"email,first_name,last_name\nnew.person@example.org,New,Person\n",
        )
        # A file with an invalid row, checked: the page lists the rows and their errors.
        checked = admin_actions.start_import(
            actor=admin,
            filename="with-errors.csv",
            data=(
                b"email,first_name,last_name\nok.person@example.org,Ok,Person\nnot-an-email,Bad,\n"
            ),
        )
        old_space = space_actions.create_space(
            actor=owner, name="Projet terminé", description="Archivé.", kind="open"
        )
        space_actions.join_space(actor=member, space=old_space)
        feed_actions.create_post(actor=owner, space=old_space, body="Bilan final du projet.")
        space_actions.archive_space(actor=owner, space=old_space)
        # The space's documents: a folder, a document with two versions, one in the trash.
        documents_root = document_actions.root_of(document_actions.space_library(space=space))
        reports = document_actions.create_folder(
            actor=member, parent=documents_root, name="Comptes rendus"
        )
        audit = document_actions.upload_file(
            actor=member, folder=reports, upload=io.BytesIO(b"# Audit RGAA\n"), name="audit.md"
        ).document
        document_actions.add_version(
            actor=owner, document=audit, upload=io.BytesIO(b"# Audit RGAA, v2\n")
        )
        # Previews: a PDF (its first page, the browser's viewer, a word inside it found by the
        # search) and a CSV (a table); analysed here, as the task would after the upload.
        annual = document_actions.upload_file(
            actor=member,
            folder=reports,
            upload=io.BytesIO(_pdf("Rapport annuel : les écureuils du parc")),
            name="rapport-annuel.pdf",
        ).document
        staff = document_actions.upload_file(
            actor=member,
            folder=reports,
            upload=io.BytesIO("service;effectif\nAccueil;4\nÉtudes;12\n".encode()),
            name="effectifs.csv",
        ).document
        # "Being edited by …": the member sees the space admin's lock.
        document_actions.lock(actor=owner, item=audit)
        draft = document_actions.upload_file(
            actor=member, folder=reports, upload=io.BytesIO(b"Brouillon\n"), name="brouillon.txt"
        ).document
        document_actions.trash(actor=member, item=draft)
        # A quota on the space's library (its page's meter) and on one person's.
        document_actions.set_library_quota(actor=admin, library=documents_root.library, quota_mb=1)
        document_actions.set_quota_for(actor=admin, kind="person", who=member.username, quota_mb=5)
        document_actions.upload_file(
            actor=member,
            folder=document_actions.root_of(document_actions.personal_library(user=member)),
            upload=io.BytesIO(b"Notes\n"),
            name="notes.txt",
        )
        # Shares: the member shares a folder of theirs with the owner (its "Share" page lists
        # it); the owner shares one with the member ("Shared with me").
        member_shared = document_actions.create_folder(
            actor=member,
            parent=document_actions.root_of(document_actions.personal_library(user=member)),
            name="Dossier partagé",
        )
        document_actions.share(actor=member, item=member_shared, access="write", user=owner)
        owner_shared = document_actions.create_folder(
            actor=owner,
            parent=document_actions.root_of(document_actions.personal_library(user=owner)),
            name="Modèles",
        )
        document_actions.upload_file(
            actor=owner, folder=owner_shared, upload=io.BytesIO(b"Lettre\n"), name="lettre.txt"
        )
        document_actions.share(actor=owner, item=owner_shared, access="read", user=member)
        for blob_id in Blob.objects.filter(text_state="pending").values_list("pk", flat=True):
            document_actions.analyse_blob(blob_id=blob_id)
        Invitation.objects.create(
            user=other,
            invited_by=admin,
            token_hash=hash_token(INVITATION_SECRET),
            expires_at=timezone.now() + timedelta(days=7),
        )
    admin_actions.run_import_job(job_id=checked.pk)
    checked.refresh_from_db()
    assert checked.status == checked.Status.INVALID, checked.status
    hashtag = Hashtag.objects.get(normalized_name="accessibilite")
    # The adoption figures of the last days (their charts and tables).
    for days_ago in range(3):
        aggregate_day(timezone.localdate() - timedelta(days=days_ago))
    assert Announcement.objects.filter(pk=announcement.pk).exists()
    # Sign-in codes are limited to 3 a minute per address: one address per language and width.
    code_emails = list(
        User.objects.filter(is_active=True, role=Role.MEMBER, username__contains=".")
        .exclude(pk__in=[member.pk, owner.pk, other.pk, secure.pk])
        .order_by("-pk")
        .values_list("email", flat=True)[:4]
    )
    report_person = User.objects.filter(is_active=True, role=Role.MEMBER).exclude(
        pk__in=[member.pk, owner.pk, other.pk]
    )[0]
    # The agenda: a weekly meeting in the space from tomorrow, the member invited.
    from cercle.agenda import actions as agenda_actions
    from cercle.agenda.recurrence import Timing

    start = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    event = agenda_actions.create_event(
        actor=owner,
        calendar=agenda_actions.space_calendar(space),
        details=agenda_actions.Details(
            title="Comité de rédaction",
            description="**Ordre du jour** : la lettre de mars.",
            place="Salle Lumière",
            meeting_url="https://visio.example.org/comite",
        ),
        timing=Timing.timed(start, start + timedelta(hours=1), "Europe/Paris"),
        rule="FREQ=WEEKLY;COUNT=8",
    )
    agenda_actions.invite(actor=owner, event=event, people=[member])
    # Its third occurrence cancelled: the organiser's page lists it, with "Restore".
    from cercle.agenda import queries as agenda_queries
    from cercle.agenda.recurrence import Window

    coming = agenda_queries.expand(
        event, Window(start, start + timedelta(days=30), "Europe/Paris"), busy=False
    )
    agenda_actions.cancel_event(
        actor=owner, event=event, scope="this", occurrence=coming[2].recurrence_id
    )
    # Personal data: the member's download, ready; a retention policy and a legal hold to list.
    from cercle.privacy import actions as privacy_actions
    from cercle.privacy.models import DataExport

    export = DataExport.objects.create(person=member)
    privacy_actions.build_export(export_id=export.pk)
    privacy_actions.add_policy(actor=admin, target="chat.messages", days=730)
    privacy_actions.add_policy(
        actor=admin, target="feed.posts", days=5 * 365, archived_spaces_only=True
    )
    privacy_actions.add_hold(actor=admin, reason="Contentieux en cours", space=old_space)
    sso_provider = sso_actions.save_oidc_provider(
        actor=admin,
        key="entra-id",
        name="Entra ID",
        server_url="https://login.microsoftonline.com/example/v2.0",
        client_id="cercle",
        secret="not-a-real-secret",
    )
    # The company directory: a connection (not switched on), a group rule, a finished run
    # whose deactivations were held back (its report lists a refused entry). The run's row is
    # written here: a real run needs a directory server (tests/directory start one).
    directory_actions.save_settings(
        actor=admin,
        enabled=False,
        server_uri="ldaps://ldap.example.org",
        bind_dn="cn=cercle,ou=services,dc=example,dc=org",
        bind_password="not-a-real-password",
        user_base_dn="ou=people,dc=example,dc=org",
        group_base_dn="ou=groups,dc=example,dc=org",
    )
    directory_actions.add_rule(
        actor=admin, group_dn="cn=comm,ou=groups,dc=example,dc=org", kind="space", space=space
    )
    directory_run = SyncRun.objects.create(
        status=RunStatus.HELD,
        requested_by=admin,
        total=12,
        done=12,
        found=12,
        created_count=1,
        refused_count=1,
        report={
            "held": "Nobody was deactivated.",
            "created": [{"name": "Anne Martin", "email": "anne@example.org", "dn": "uid=anne"}],
            "refused": [{"entry": "bob", "dn": "uid=bob", "reason": "No valid email address."}],
            "memberships": [{"space": space.name, "added": 1, "removed": 0}],
        },
    )
    # News: a featured article for everyone, in a category, read and commented by the member.
    from cercle.news import actions as news_actions

    category = news_actions.create_category(actor=admin, name="Vie des ateliers")
    article = news_actions.create_article(
        actor=admin,
        data=news_actions.ArticleInput(
            title="Le nouvel atelier ouvre à Nantes",
            summary="Visite guidée jeudi pour toutes les équipes.",
            body="## Au programme\n\n- visite\n- **démonstration**\n- pot d'accueil",
            category=category,
            featured=True,
            published_at=timezone.now() - timedelta(hours=1),
        ),
    )
    news_actions.record_read(reader=member, article=article)
    praise = news_actions.add_comment(
        actor=member, article=article, body="Bravo à toute l'équipe !"
    )
    news_actions.add_comment(actor=admin, article=article, body="Merci !", parent=praise)
    news_actions.react(actor=member, article=article, kind="celebrate")
    # The home page: the demo's quick links and menu link (`cercle.homepage.demo`), and the new
    # arrivals' panel turned on.
    from cercle.homepage import actions as homepage_actions
    from cercle.homepage.models import HomeLink

    homepage_actions.save_parts(
        actor=admin,
        parts=[homepage_actions.PartInput(key="new_arrivals", shown=True, position=5)],
    )
    home_link = HomeLink.objects.filter(place="home").order_by("pk").first()
    assert home_link is not None
    return {
        "home_link": home_link.pk,
        "directory_run": directory_run.pk,
        "member": member.username,
        "code_emails": code_emails,
        "secure": secure.username,
        "recovery_codes": recovery_codes,
        "owner": owner.username,
        "admin": admin.username,
        "boss": boss.username if boss else member.username,
        "password": PASSWORD,
        "space": space.slug,
        "post": post.pk,
        "comment": mine.pk,
        "announcement": announcement.pk,
        "conversation": direct.pk,
        "group": group.pk,
        "job": job.pk,
        "checked_job": checked.pk,
        "archived_space": old_space.slug,
        "page": meetings.slug,
        "handbook": handbook.slug,
        "page_comment": page_comment.pk,
        "person": report_person.pk,
        "department": department.slug,
        "site": site.slug,
        "hashtag": hashtag.name,
        "invitation": INVITATION_SECRET,
        "documents_folder": reports.pk,
        "document": audit.pk,
        "pdf_document": annual.pk,
        "csv_document": staff.pk,
        "library": documents_root.library_id,
        "shared_folder": member_shared.pk,
        "folder_shared_with_member": owner_shared.pk,
        "event": event.pk,
        "sso_provider": sso_provider.provider_id,
        "news_article": article.pk,
    }
