"""Browser: every page passes axe-core (WCAG 2.1 A and AA) at 360 px and at desktop width, in
French and English, never scrolls sideways on a phone, and makes Chromium refuse nothing under the
page Content-Security-Policy (`cercle.core.security`: no inline script or style without the nonce).

The pages come from the URL conf: every named URL of Cercle (and of allauth, whose pages use
Cercle's templates) is a test case unless `NOT_PAGES` says why it is not a page (a POST-only
action, an htmx fragment, a file, a redirect). So a new module's pages are checked as soon as its
`urls.py` is included; give their URL parameters a value in `ARGUMENTS` (from the seeded data in
`accessibility_seed.py`), a role in `ROLES` when a member cannot open them, and the steps that reach
them in `STEPS` when they exist only inside a flow (a sign-in's code step). `EXTRA_CASES` adds
other people's view of a page and other states (errors, open menus, an archived space).

One uvicorn server on one seeded SQLite file serves the whole session; one browser context per
(person, language, width) is reused; each page is loaded once per language and width. A failure
prints axe's violations as a list (rule, what to fix, each element with its HTML).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.browser import small_targets

# WCAG 2.0 and 2.1, A and AA; axe's best practices (landmarks, one h1, heading order…); WCAG 2.2's
# 24 px target size (the 44 px check on phones is ours, below).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice", "wcag22aa"]
WIDTHS = {"phone": (360, 740), "desktop": (1366, 900)}
LANGUAGES = {"fr": "fr-FR", "en": "en-GB"}

# Named URLs that are not pages a person reads, with why. Every other named URL is a test case.
NOT_PAGES: dict[str, str] = {
    # Files, redirects and machine endpoints.
    "favicon": "redirect to the SVG icon",
    "healthz": "JSON liveness probe",
    "readyz": "JSON readiness probe",
    "metrics": "Prometheus metrics (text), for allowed scrapers only",
    "service_worker": "the service worker's script",
    "pwa_manifest": "the web app manifest (JSON)",
    "pwa_icon": "PNG icons",
    "media": "uploaded files",
    "attachment": "a post's file",
    "attachment_preview": "a PDF attachment's first page (PNG)",
    "chat_attachment": "a message's file",
    "admin_import_template": "CSV file",
    # The SCIM service provider: JSON for identity providers (tests/provisioning).
    "scim_search": "SCIM JSON API",
    "scim_users": "SCIM JSON API",
    "scim_users_search": "SCIM JSON API",
    "scim_user": "SCIM JSON API",
    "scim_groups": "SCIM JSON API",
    "scim_groups_search": "SCIM JSON API",
    "scim_group": "SCIM JSON API",
    "scim_config": "SCIM JSON API",
    "scim_schemas": "SCIM JSON API",
    "scim_schema": "SCIM JSON API",
    "scim_resource_types": "SCIM JSON API",
    "scim_resource_type": "SCIM JSON API",
    "scim_not_found": "SCIM JSON API",
    "provisioning_revoke": "POST",
    "sso_oidc_callback": "OpenID Connect callback (the provider redirects to it)",
    "provisioning_add_group_rule": "POST",
    "provisioning_delete_group_rule": "POST",
    "directory_test": "POST",
    "directory_add_rule": "POST",
    "directory_delete_rule": "POST",
    "directory_start": "POST",
    "announcement_csv": "CSV file",
    "adoption_csv": "CSV file",
    "mfa_download_recovery_codes": "text file",
    "notification_open": "redirect to the notification's subject",
    "onboarding_hide": "POST",
    "admin_sso_sessions": "POST",
    "onboarding_show": "POST",
    "onboarding_welcome_post": "POST",
    "onboarding_skip": "POST",
    "onboarding_done": "POST",
    "onboarding_join": "POST",
    "onboarding_follow": "POST",
    "onboarding_remove_suggestion": "POST",
    "homepage_move_link": "POST",
    "homepage_remove_link": "POST",
    "chat_start_direct": "POST: opens the conversation",
    "agenda_event_ics": "iCalendar file",
    "agenda_feed": "iCalendar file (a calendar's subscription address)",
    "agenda_respond": "POST: answers an invitation",
    "agenda_feed_regenerate": "POST: a new subscription address",
    "caldav_well_known": "CalDAV discovery: a redirect to /dav/",
    "caldav_root": "CalDAV (WebDAV methods, HTTP Basic with an app token)",
    "caldav": "CalDAV (WebDAV methods, HTTP Basic with an app token)",
    "agenda_event_reminders": "POST: my reminders for an event",
    "agenda_cancel": "POST: cancels an event or some of its occurrences",
    "agenda_restore": "POST: restores a cancelled occurrence",
    "agenda_freebusy": "an htmx fragment of the event form (shown inside agenda_new)",
    "chat_space_channel": "redirect to the space's conversation",
    "intranet": "redirect to the organisation space's pages",
    "page_export": "ZIP file",
    "news_cover": "an article's cover image",
    "news_delete": "POST",
    "news_comment": "POST: comments on an article",
    "news_react": "POST: reacts to an article",
    "news_comment_delete": "POST",
    "news_comment_hide": "POST: a moderator hides a comment",
    "news_comment_unhide": "POST: a moderator shows a hidden comment again",
    "news_comment_report": "POST: a reader reports a comment",
    "news_comment_dismiss": "POST: a moderator dismisses a comment's reports",
    "news_comments": "a fragment: an article's comments, asked again when the socket says so",
    "news_comment_edit": "redirect to the article with its comment's form",
    "news_category_delete": "POST",
    "page_preview": "POST: the editor's preview fragment",
    "search_suggest": "an htmx fragment: the header's suggestions (case search-suggestions-open)",
    "search_clear_recent": "POST: clears one's recent searches",
    "page_restore": "POST",
    "page_move": "POST",
    "page_delete": "POST",
    "page_reviewed": "POST",
    "page_watch": "POST",
    "page_suggest": "JSON: the editor's link suggestions (case page-link-suggestions-open)",
    "page_tree": "a fragment: the pages under a page of the tree (e2e/test_pages_tree.py)",
    "page_permalink": "redirect to the page's current address",
    "page_comment": "POST: comments on a page",
    "page_react": "POST: reacts to a page",
    "page_comment_edit": "redirect to the page with its comment's form (an EXTRA_CASE)",
    "page_comment_delete": "POST",
    "page_editors": "POST: an admin names or removes a section's editors (on page_detail)",
    "page_image": "a page's image",
    "page_image_upload": "POST (JSON): the editor's images (case page-image-dialog-open)",
    "account_set_password": "redirect to the password change (everyone has a password)",
    # htmx fragments and JSON.
    "people_autocomplete": "htmx fragment",
    "skill_autocomplete": "htmx fragment",
    "feed_new_posts": "htmx fragment",
    "mention_suggestions": "JSON",
    "notification_bell": "htmx fragment (in every page's header)",
    "chat_unread": "JSON",
    "chat_mention_suggestions": "JSON",
    # POST-only actions.
    "set_language": "POST",
    "follow": "POST",
    "skill_add": "POST",
    "skill_update": "POST",
    "endorse": "POST",
    "api_token_create": "POST",
    "api_token_revoke": "POST",
    "space_invitation_respond": "POST",
    "space_request_decide": "POST",
    "space_join": "POST",
    "space_request": "POST",
    "space_leave": "POST",
    "space_follow": "POST",
    "space_favourite": "POST",
    "space_member_role": "POST",
    "space_member_remove": "POST",
    "space_invitation_cancel": "POST",
    "space_archive": "POST",
    "post_create": "POST",
    "post_delete": "POST",
    "post_react": "POST",
    "post_comment": "POST",
    "post_pin": "POST",
    "post_save": "POST",
    "post_unannounce": "POST",
    "announcement_receipt": "POST",
    "announcement_remind": "POST",
    "report_decide": "POST",
    "comment_delete": "POST",
    "hashtag_follow": "POST",
    "notifications_read_all": "POST",
    "notification_space_level": "POST",
    "notification_device_remove": "POST",
    "admin_import_valid_rows": "POST",
    "admin_import_cancel": "POST",
    "admin_set_role": "POST",
    "admin_reactivate": "POST",
    "admin_resend_invitation": "POST",
    "chat_send": "POST",
    "chat_mute": "POST",
    "chat_add_people": "POST",
    "chat_leave": "POST",
    "documents_upload": "POST",
    "documents_new_folder": "POST",
    "documents_rename": "POST",
    "documents_delete": "POST",
    "documents_new_version": "POST",
    "documents_restore_version": "POST",
    "documents_restore": "POST",
    "documents_lock": "POST",
    "documents_unlock": "POST",
    "documents_revoke_share": "POST",
    "documents_comment": "POST",
    "documents_comment_edit": "POST",
    "documents_comment_delete": "POST",
    "documents_dav": "WebDAV (HTTP Basic), not a page",
    "documents_dav_legacy": "WebDAV at its former address /dav/, not a page",
    "documents_download": "a document's file",
    "documents_download_version": "a version's file",
    "documents_view": "a document's file shown by the browser (image, PDF)",
    "documents_thumbnail": "a document's picture (JPEG)",
    "privacy_export_download": "a person's ZIP file",
    "privacy_export_status": "htmx fragment: a download's progress",
    "privacy_audit_csv": "CSV file",
    "privacy_audit_jsonl": "JSON lines file",
    "mfa_login_webauthn": "POST (passkey sign-in)",
    # Single sign-on: the protocols' endpoints, and its administration's POST-only actions.
    "openid_connect_login": "POST: goes to the identity provider",
    "openid_connect_callback": "the identity provider's answer (a redirect)",
    "saml_login": "redirect to the identity provider",
    "saml_acs": "POST: the identity provider's assertion",
    "saml_finish_acs": "redirect after the assertion",
    "saml_sls": "the identity provider's logout (a redirect)",
    "saml_metadata": "XML metadata",
    "socialaccount_signup": "never shown: accounts are created just in time",
    "socialaccount_connections": "not linked: providers are linked at sign-in",
    "admin_sso_domains": "POST",
    "admin_sso_two_factor": "POST",
    "admin_sso_break_glass": "POST",
    "admin_sso_break_glass_remove": "POST",
    "admin_sso_mapping": "POST",
    "admin_sso_delete": "POST",
    "admin_sso_test": "POST: goes to the identity provider",
    # Passkeys: a browser cannot register one without an authenticator device.
    "mfa_reauthenticate_webauthn": "needs a registered passkey",
    "mfa_remove_webauthn": "needs a registered passkey",
    "mfa_edit_webauthn": "needs a registered passkey",
}

MEMBER, OWNER, ADMIN, ANONYMOUS = "member", "space-admin", "it-admin", "signed-out"
TWO_FACTOR = "two-factor"  # signed in, with an authenticator app and recovery codes
SIGNING_IN = "signing-in"  # signed out, in the middle of a sign-in (a flow's own pages)

# Who opens each page when a member cannot (the administration's pages go to the IT admin).
ROLES: dict[str, str] = {
    "provisioning_tokens": ADMIN,
    "directory_settings": ADMIN,
    "directory_run": ADMIN,
    "agenda_edit": OWNER,
    "page_reviews": OWNER,
    "space_settings": OWNER,
    "moderation": OWNER,
    "announcement_report": ADMIN,
    "adoption": ADMIN,
    "privacy_admin": ADMIN,
    "onboarding_manage": ADMIN,
    "homepage_manage": ADMIN,
    "homepage_edit_link": ADMIN,
    "privacy_erase": ADMIN,
    "post_announce": OWNER,
    "news_write": ADMIN,
    "news_edit": ADMIN,
    "news_reads": ADMIN,
    "news_categories": ADMIN,
    "news_reports": ADMIN,
    "account_login": ANONYMOUS,
    "socialaccount_login_error": ANONYMOUS,
    "socialaccount_login_cancelled": ANONYMOUS,
    "account_signup": ANONYMOUS,
    "account_inactive": ANONYMOUS,
    "account_reset_password": ANONYMOUS,
    "account_reset_password_done": ANONYMOUS,
    "account_reset_password_from_key": ANONYMOUS,
    "account_reset_password_from_key_done": ANONYMOUS,
    "account_request_login_code": ANONYMOUS,
    "account_email_verification_sent": ANONYMOUS,
    "account_confirm_email": ANONYMOUS,
    "accept_invitation": ANONYMOUS,
    "mfa_authenticate": SIGNING_IN,
    "account_confirm_login_code": SIGNING_IN,
    "mfa_reauthenticate": TWO_FACTOR,
    "mfa_deactivate_totp": TWO_FACTOR,
    "mfa_view_recovery_codes": TWO_FACTOR,
    "mfa_generate_recovery_codes": TWO_FACTOR,
}


def _sign_in_until_the_code(page: Any, facts: dict[str, Any]) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", facts["secure"])
    page.fill("input[name=password]", facts["password"])
    page.locator("form[action*='login'] [type=submit]").first.click()
    page.wait_for_url("**/accounts/2fa/authenticate/")


def _ask_for_a_sign_in_code(page: Any, facts: dict[str, Any]) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/code/")
    page.fill("input[name=email]", facts["code_emails"].pop())
    page.locator("main form [type=submit]").first.click()
    page.wait_for_url("**/accounts/login/code/confirm/")


def _ask_for_a_reauthentication_code(page: Any, facts: dict[str, Any]) -> None:
    # The member's contexts share one session: a code asked for once stays pending (and codes
    # are limited to 3 a minute).
    page.goto("/accounts/reauthenticate/code/confirm/")
    if "/code/confirm/" not in page.url:
        page.goto("/accounts/reauthenticate/code/")
        page.locator("main form [type=submit]").first.click()
        page.wait_for_url("**/accounts/reauthenticate/code/confirm/")


def _fail_to_sign_in(page: Any, facts: dict[str, Any]) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "nobody.here")
    page.fill("input[name=password]", "not the password")
    page.locator("form[action*='login'] [type=submit]").first.click()
    page.locator(".errorlist, [role=alert], .alert").first.wait_for()


OPEN_MENUS = """(dropdown) => {
  for (const details of document.querySelectorAll("details")) {
    details.open = true;
    const content = [...details.children].find((child) => child.tagName !== "SUMMARY");
    const floats = content && getComputedStyle(content).position === "absolute";
    if (floats && !(dropdown && details === document.querySelector(dropdown))) details.open = false;
  }
}"""


def _go(path: str) -> Callable[[Any, dict[str, Any]], None]:
    """A page at an address with a query string (`path` formatted with the seed's facts)."""

    def steps(page: Any, facts: dict[str, Any]) -> None:
        page.goto(path.format(**facts))

    return steps


def _bad_quota(page: Any, facts: dict[str, Any]) -> None:
    """The administration's Documents page with a quota form refused (nobody of that name)."""
    page.goto("/manage/documents/")
    page.select_option("#id_quota-kind", "person")
    page.fill("#id_quota-who", "nobody-at-all")
    page.fill("#id_quota-quota_mb", "3")
    page.locator("#id_quota-who").evaluate("input => input.form.requestSubmit()")
    page.wait_for_selector(".errorlist")


def _open_menus(path: str, dropdown: str) -> Callable[[Any, dict[str, Any]], None]:
    """The page with its disclosures open (reactions, replies, options), and one drop-down menu:
    drop-downs cover what is under them, so opening two at once would only test that overlap."""

    def steps(page: Any, facts: dict[str, Any]) -> None:
        page.goto(path.format(**facts))
        phone = page.viewport_size["width"] < 768
        # On a phone the open account menu covers the navigation under it, as a drop-down does.
        page.evaluate(OPEN_MENUS, "" if phone and dropdown == ".user-menu" else dropdown)

    return steps


def _suggestions_open(page: Any, facts: dict[str, Any]) -> None:
    """The results page with the header's suggestions open under the search box."""
    page.goto("/search/?q=audit")
    page.fill("#global-search", "mar")
    page.wait_for_selector(".search-suggestions-list")


def _page_link_suggestions_open(page: Any, facts: dict[str, Any]) -> None:
    """The page editor with its `[[` link suggestions open under the text."""
    page.goto(f"/spaces/{facts['space']}/pages/{facts['page']}/edit/")
    area = page.locator("#page-body-input")
    area.focus()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n[[gui")
    page.wait_for_selector("#page-link-suggestions [role=option]")


def _page_image_dialog_open(page: Any, facts: dict[str, Any]) -> None:
    """The page editor with the dialog that asks an image's description open."""
    page.goto(f"/spaces/{facts['space']}/pages/{facts['page']}/edit/")
    page.wait_for_selector(".page-toolbar:not([hidden])")
    page.evaluate("document.getElementById('page-image-dialog').showModal()")


# Pages that exist only inside a flow (they redirect when loaded alone): how to reach them.
STEPS: dict[str, Callable[[Any, dict[str, Any]], None]] = {
    "mfa_authenticate": _sign_in_until_the_code,
    "account_confirm_login_code": _ask_for_a_sign_in_code,
    "account_confirm_reauthentication_code": _ask_for_a_reauthentication_code,
}

# Pages answered with another status than 200 (still pages people read).
STATUSES: dict[str, int] = {
    "socialaccount_login_error": 401,  # allauth's "sign-in through the provider failed"
}

# URL parameters: from the seeded facts by parameter name, then by URL name where they differ.
ARGUMENTS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "username": lambda facts: facts["member"],
    "slug": lambda facts: facts["space"],
    "post_id": lambda facts: facts["post"],
    "comment_id": lambda facts: facts["comment"],
    "announcement_id": lambda facts: facts["announcement"],
    "conversation_id": lambda facts: facts["conversation"],
    "job_id": lambda facts: facts["job"],
    "person_id": lambda facts: facts["person"],
    "name": lambda facts: facts["hashtag"],
    "token": lambda facts: facts["invitation"],
    "page_slug": lambda facts: facts["page"],
    "number": lambda facts: 1,
    "key": lambda facts: "not-a-valid-key",
    "uidb36": lambda facts: "1",
    "folder_id": lambda facts: facts["documents_folder"],
    "document_id": lambda facts: facts["document"],
    "library_id": lambda facts: facts["library"],
    "kind": lambda facts: "file",
    "item_id": lambda facts: facts["document"],
    "event_id": lambda facts: facts["event"],
    "provider_key": lambda facts: facts["sso_provider"],
    "directory_run_id": lambda facts: facts["directory_run"],
    "article_id": lambda facts: facts["news_article"],
    "link_id": lambda facts: facts["home_link"],
}
ARGUMENTS_BY_URL: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "department": lambda facts: {"slug": facts["department"]},
    "site": lambda facts: {"slug": facts["site"]},
    "orgchart": lambda facts: {"username": facts["boss"]},
    "admin_sso_add": lambda facts: {"kind": "saml"},
    "documents_share": lambda facts: {"kind": "folder", "item_id": facts["shared_folder"]},
}


@dataclass(frozen=True)
class Case:
    label: str
    role: str
    url_name: str = ""
    path: str = ""  # given instead of a URL name (error pages)
    status: int = 200
    kwargs: Callable[[dict[str, Any]], dict[str, Any]] | None = field(default=None, compare=False)
    steps: Callable[[Any, dict[str, Any]], None] | None = field(default=None, compare=False)


# The same view seen by someone else, or a state that a URL name alone does not reach.
EXTRA_CASES = [
    Case("home", ADMIN, "home"),
    Case("space", OWNER, "space"),
    Case("space_members", OWNER, "space_members"),
    Case("post", OWNER, "post"),
    Case("agenda_event-organiser", OWNER, "agenda_event"),
    Case("profile-of-someone-else", MEMBER, "profile", kwargs=lambda f: {"username": f["owner"]}),
    Case(
        "chat_conversation-group",
        OWNER,
        "chat_conversation",
        kwargs=lambda f: {"conversation_id": f["group"]},
    ),
    Case("error-403", MEMBER, path="/manage/people/", status=403),
    Case("error-404", MEMBER, path="/posts/999999999/", status=404),
    Case("error-404-signed-out", ANONYMOUS, path="/no-such-page/", status=404),
    Case("account_login-with-errors", SIGNING_IN, "account_login", steps=_fail_to_sign_in),
    Case("space-invited", ADMIN, "space"),
    Case("space-archived", MEMBER, "space", kwargs=lambda f: {"slug": f["archived_space"]}),
    Case(
        "space_settings-archived",
        OWNER,
        "space_settings",
        kwargs=lambda f: {"slug": f["archived_space"]},
    ),
    Case(
        "admin_import_job-with-errors",
        ADMIN,
        "admin_import_job",
        kwargs=lambda f: {"job_id": f["checked_job"]},
    ),
    Case("admin_sso_add-oidc", ADMIN, "admin_sso_add", kwargs=lambda f: {"kind": "oidc"}),
    Case("error-400-home-bad-cursor", MEMBER, path="/?cursor=not-a-cursor", status=400),
    Case("home-menus-open", OWNER, "home", steps=_open_menus("/", ".post-more")),
    Case("post-menus-open", OWNER, "post", steps=_open_menus("/posts/{post}/", ".post-more")),
    Case(
        "settings-account-menu-open",
        ADMIN,
        "settings",
        steps=_open_menus("/settings/", ".user-menu"),
    ),
    Case(
        "chat_conversation-menus-open",
        MEMBER,
        "chat_conversation",
        steps=_open_menus("/messages/{group}/", ".chat-menu"),
        kwargs=lambda f: {"conversation_id": f["group"]},
    ),
    Case("chat_search-results", MEMBER, path="/messages/search/?q=audit"),
    Case("directory-search", MEMBER, path="/people/?q=marie"),
    Case("search-results", MEMBER, path="/search/?q=audit"),
    Case("search-results-filtered", MEMBER, path="/search/?q=a&kind=person&sort=date"),
    Case("search-bad-date", MEMBER, path="/search/?q=a&start=nope", status=400),
    Case("search-suggestions-open", MEMBER, "search", steps=_suggestions_open),
    Case("page-link-suggestions-open", MEMBER, "page_edit", steps=_page_link_suggestions_open),
    Case("page-image-dialog-open", MEMBER, "page_edit", steps=_page_image_dialog_open),
    Case(
        "page_detail-comment-editing",
        MEMBER,
        "page_detail",
        steps=_go("/spaces/{space}/pages/{page}/?edit_comment={page_comment}"),
    ),
    Case("home-more-open", MEMBER, "home", steps=_open_menus("/", ".nav-more")),
    Case(
        "page_detail-to-review",
        OWNER,
        "page_detail",
        kwargs=lambda f: {"slug": f["space"], "page_slug": f["handbook"]},
    ),
    Case("admin_people-search", ADMIN, path="/manage/people/?q=roux"),
    Case("documents_space-owner", OWNER, "documents_space"),
    Case(
        "documents_search-results",
        MEMBER,
        "documents_search",
        steps=_go("/documents/folders/{documents_folder}/search/?q=audit&subfolders=1"),
    ),
    Case("admin_documents-with-errors", ADMIN, "admin_documents", steps=_bad_quota),
    Case(
        "documents_file-pdf",
        MEMBER,
        "documents_file",
        kwargs=lambda f: {"document_id": f["pdf_document"]},
    ),
    Case(
        "documents_file-csv",
        MEMBER,
        "documents_file",
        kwargs=lambda f: {"document_id": f["csv_document"]},
    ),
    Case(
        "documents_move-folder",
        MEMBER,
        "documents_move",
        kwargs=lambda f: {"kind": "folder", "item_id": f["documents_folder"]},
    ),
    Case(
        "documents_folder-shared-with-me",
        MEMBER,
        "documents_folder",
        kwargs=lambda f: {"folder_id": f["folder_shared_with_member"]},
    ),
]


@functools.cache
def _named_urls() -> list[tuple[str, list[str]]]:
    """(name, parameter names) of every named URL served by Cercle's or allauth's views."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found: dict[str, list[str]] = {}

    def walk(patterns: list[Any]) -> Iterator[tuple[URLPattern, list[str]]]:
        for item in patterns:
            if isinstance(item, URLResolver):
                for pattern, params in walk(item.url_patterns):
                    yield pattern, list(item.pattern.converters) + params
            else:
                yield item, list(item.pattern.converters) or list(item.pattern.regex.groupindex)

    for pattern, params in walk(get_resolver().url_patterns):
        module = inspect.getmodule(pattern.callback)
        module_name = module.__name__ if module else ""
        if pattern.name and module_name.split(".")[0] in ("cercle", "allauth"):
            found.setdefault(pattern.name, params)
    return sorted(found.items())


def _role(name: str) -> str:
    if name in ROLES:
        return ROLES[name]
    if name.startswith("admin_"):
        return ADMIN
    return MEMBER


def _cases() -> list[Case]:
    cases = [
        Case(name, _role(name), name, status=STATUSES.get(name, 200), steps=STEPS.get(name))
        for name, _params in _named_urls()
        if name not in NOT_PAGES
    ]
    return cases + EXTRA_CASES


CASES = _cases()


def _path(case: Case, facts: dict[str, Any]) -> str:
    if case.path:
        return case.path
    from django.urls import reverse

    params = dict(_named_urls())[case.url_name]
    kwargs: dict[str, Any] = {}
    for param in params:
        assert param in ARGUMENTS, (
            f"URL {case.url_name!r} takes {param!r}: give it a value in ARGUMENTS "
            "(tests/e2e/test_accessibility.py), or list the URL in NOT_PAGES with why"
        )
        kwargs[param] = ARGUMENTS[param](facts)
    if case.url_name in ARGUMENTS_BY_URL:
        kwargs.update(ARGUMENTS_BY_URL[case.url_name](facts))
    if case.kwargs is not None:
        kwargs.update(case.kwargs(facts))
    return reverse(case.url_name, kwargs=kwargs)


@dataclass
class Site:
    url: str
    facts: dict[str, Any]
    axe_source: str
    browser: Any
    _states: dict[str, Any] = field(default_factory=dict)
    _pages: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    # What Chromium reported refusing under the page Content-Security-Policy, per page, since the
    # last `csp_violations()` (an inline script or style, eval, a resource from elsewhere).
    _csp_reports: dict[int, list[str]] = field(default_factory=dict)

    def _state(self, role: str) -> Any:
        """A signed-in session for `role` (logged in once, then shared by its contexts)."""
        if role not in self._states:
            username = {MEMBER: "member", OWNER: "owner", ADMIN: "admin", TWO_FACTOR: "secure"}
            context = self.browser.new_context(base_url=self.url)
            page = context.new_page()
            page.goto("/accounts/login/")
            page.fill("input[name=login]", self.facts[username[role]])
            page.fill("input[name=password]", self.facts["password"])
            page.locator("form[action*='login'] [type=submit]").first.click()
            page.wait_for_url(lambda url: "/accounts/login" not in url)
            if "/accounts/2fa/authenticate/" in page.url:
                page.fill("input[name=code]", self.recovery_code())
                page.locator("main form [type=submit]").first.click()
                page.wait_for_url(lambda url: "/accounts/2fa/authenticate/" not in url)
            self._states[role] = context.storage_state()
            context.close()
        return self._states[role]

    def recovery_code(self) -> str:
        """An unused recovery code of the two-factor person (each works once)."""
        code: str = self.facts["recovery_codes"].pop()
        return code

    def page(self, role: str, language: str, width: str) -> Any:
        key = (role, language, width)
        if key not in self._pages:
            w, h = WIDTHS[width]
            context = self.browser.new_context(
                base_url=self.url,
                locale=LANGUAGES[language],
                viewport={"width": w, "height": h},
                storage_state=None if role in (ANONYMOUS, SIGNING_IN) else self._state(role),
            )
            context.set_default_timeout(15_000)
            page = context.new_page()
            reports = self._csp_reports.setdefault(id(page), [])
            page.on(
                "console",
                lambda message: (
                    reports.append(message.text)
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
            self._pages[key] = page
        return self._pages[key]

    def csp_violations(self, page: Any) -> list[str]:
        """The page's CSP violations since the last call, which forgets them."""
        reports = self._csp_reports[id(page)]
        found = list(reports)
        reports.clear()
        return found

    def close(self) -> None:
        for page in self._pages.values():
            page.context.close()


@pytest.fixture(scope="session")
def a11y_site(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from tests.helpers.server import ServerSite

    server_site = ServerSite(tmp_path_factory.mktemp("a11y"))
    server_site.migrate()
    facts = server_site.python("from tests.e2e.accessibility_seed import seed\nresult = seed()")
    server = server_site.start()
    import axe_playwright_python

    axe_js = Path(axe_playwright_python.__file__).with_name("axe.min.js")
    site = Site(url=server.url, facts=facts, axe_source=axe_js.read_text(), browser=browser)
    yield site
    site.close()
    server_site.stop()


def describe(violations: list[dict[str, Any]]) -> str:
    """axe's violations as a readable list: rule, impact, what to fix, then each element."""
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']}"
            f" <{violation.get('helpUrl', '')}>"
        )
        for node in violation["nodes"][:8]:
            target = " ".join(str(t) for t in node["target"])
            summary = " / ".join(
                line.strip()
                for line in (node.get("failureSummary") or "").splitlines()[1:]
                if line.strip()
            )
            lines.append(f"    {target}: {summary}")
            lines.append(f"      {node['html'][:200]}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    … and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


RUN_AXE = """async (tags) => {
  // label-content-name-mismatch (WCAG 2.5.3, label in name) is "experimental" in axe: asked for.
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
    rules: {"label-content-name-mismatch": {enabled: true}}});
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
    helpUrl: v.helpUrl, nodes: v.nodes.map((n) => ({target: n.target, html: n.html,
    failureSummary: n.failureSummary}))}));
}"""


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("case", CASES, ids=[f"{c.role}-{c.label}" for c in CASES])
def test_page_is_accessible(a11y_site: Site, case: Case, language: str, width: str) -> None:
    page = a11y_site.page(case.role, language, width)
    a11y_site.csp_violations(page)
    path = _path(case, a11y_site.facts)
    if case.steps is not None:
        case.steps(page, a11y_site.facts)
    else:
        response = page.goto(path)
        assert response is not None
        if "reauthenticate/" in page.url and "reauthenticate/" not in path:
            # Sensitive pages ask for the password (or a code) again minutes after signing in.
            if page.locator("main input[name=password]").count():
                page.fill("main input[name=password]", a11y_site.facts["password"])
            else:
                page.fill("main input[name=code]", a11y_site.recovery_code())
            with page.expect_navigation() as navigation:
                page.locator("main form [type=submit]").first.click()
            response = navigation.value
            assert response is not None
        assert response.status == case.status, (path, response.status, page.url)
    wanted = path.split("?")[0]
    assert page.url.removeprefix(a11y_site.url).split("?")[0] == wanted, (
        f"{path} went to {page.url}: a redirect is not a page (list it in NOT_PAGES)"
    )
    # The page's own htmx requests (the bell's count, lazy parts) done: what a person sees.
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    assert page.evaluate("document.documentElement.lang") == language, path
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(a11y_site.axe_source)
    violations = page.evaluate(RUN_AXE, AXE_TAGS)
    assert not violations, f"{path} ({language}, {width}):\n{describe(violations)}"
    refused = a11y_site.csp_violations(page)
    assert not refused, f"{path}: the Content-Security-Policy refused:\n" + "\n".join(refused)
    if width == "phone":
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= WIDTHS["phone"][0], f"{path} scrolls sideways: {scroll} px wide"
        small = small_targets(page, 44, with_tabindex=True)
        assert not small, f"{path} ({language}): tap targets under 44 px:\n" + "\n".join(small)


def test_the_page_lists_name_only_urls_that_exist() -> None:
    """Every named URL is a case unless NOT_PAGES says why; the lists name no URL that is gone."""
    names = {name for name, _params in _named_urls()}
    for listing in (NOT_PAGES, ROLES, ARGUMENTS_BY_URL):
        assert not set(listing) - names, f"no such URL any more: {set(listing) - names}"
    covered = {case.url_name for case in CASES if case.url_name}
    assert covered == names - set(NOT_PAGES)
    assert {"home", "space_settings", "admin_audit", "account_login", "chat_search"} <= covered


def test_the_walk_sees_what_the_policy_refuses(a11y_site: Site) -> None:
    """The CSP check above can fail: markup injected with an inline handler and a style attribute
    is refused by Chromium, and the walk hears of it."""
    page = a11y_site.page(ANONYMOUS, "en", "desktop")
    page.goto("/accounts/login/")
    a11y_site.csp_violations(page)
    page.evaluate(
        """() => document.body.insertAdjacentHTML('beforeend',
        '<div style="color: red">x</div><img alt="" src="data:," onload="window.ran = 1">')"""
    )
    refused: list[str] = []
    for _attempt in range(100):  # the console reports arrive asynchronously
        refused += a11y_site.csp_violations(page)
        if any("style-src" in r for r in refused) and any("script-src" in r for r in refused):
            break
        page.wait_for_timeout(50)
    assert any("style-src" in line for line in refused), refused
    assert any("script-src" in line for line in refused), refused
    assert page.evaluate("window.ran") is None
