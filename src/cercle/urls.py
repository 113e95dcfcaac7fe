"""URL map: pages per app, allauth under /accounts/, the API under /api/v1/, Django admin."""

from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.urls import include, path

from cercle.accounts.views import auth as accounts_auth_views
from cercle.api import api
from cercle.core import uploads
from cercle.core import views as core_views
from cercle.core.operations import health as operations_health
from cercle.core.operations import middleware as operations_middleware
from cercle.feed import views as feed_views
from cercle.sso import oidc as sso_oidc
from cercle.sso import saml as sso_saml


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico on their own: send them to the SVG icon."""
    return HttpResponsePermanentRedirect(staticfiles_storage.url("cercle/img/favicon.svg"))


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    # The home page is the home feed.
    path("", feed_views.home, name="home"),
    # The language switcher also saves a signed-in person's preference (before Django's own).
    path("i18n/setlang/", accounts_auth_views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    # OpenID Connect's callback: allauth's, keeping the ID token for single logout (sso/oidc.py).
    path(
        "accounts/oidc/<str:provider_id>/login/callback/",
        sso_oidc.callback,
        name="sso_oidc_callback",
    ),
    # SAML: allauth's assertion consumer keeping the NameID, and its single logout service
    # ending only the session the provider names (sso/saml.py).
    path(
        "accounts/saml/<str:organization_slug>/acs/finish/",
        sso_saml.finish_acs,
        name="saml_finish_acs",
    ),
    path("accounts/saml/<str:organization_slug>/sls/", sso_saml.sls, name="saml_sls"),
    path("accounts/", include("allauth.urls")),
    path("", include("cercle.accounts.urls")),
    path("", include("cercle.spaces.urls")),
    path("", include("cercle.feed.urls")),
    path("", include("cercle.announcements.urls")),
    path("", include("cercle.news.urls")),
    path("", include("cercle.notifications.urls")),
    path("", include("cercle.adoption.urls")),
    path("", include("cercle.search.urls")),
    path("", include("cercle.onboarding.urls")),
    path("", include("cercle.homepage.urls")),
    path("manage/", include("cercle.administration.urls")),
    path("", include("cercle.privacy.urls")),
    path("manage/provisioning/", include("cercle.provisioning.urls")),
    path("manage/directory/", include("cercle.directory.urls")),
    path("scim/v2/", include("cercle.provisioning.scim.urls")),
    path("messages/", include("cercle.chat.urls")),
    path("", include("cercle.pages.urls")),
    path("", include("cercle.documents.urls")),
    path("", include("cercle.agenda.urls")),
    path("", include("cercle.agenda.caldav.urls")),
    path("django-admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("healthz", operations_health.healthz, name="healthz"),
    path("readyz", operations_health.readyz, name="readyz"),
    path("metrics", operations_middleware.metrics_view, name="metrics"),
    path("sw.js", core_views.service_worker, name="service_worker"),
    path("offline/", core_views.offline, name="offline"),
]

if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
    # Uploaded files from local storage; in production the reverse proxy serves /media/ itself.
    urlpatterns.append(path("media/<path:path>", uploads.serve_media, name="media"))
