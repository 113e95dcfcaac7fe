"""Pages about people: the directory, profiles, the org chart, one's settings and security."""

from django.urls import path

from cercle.accounts.views import auth, directory, profiles, security

urlpatterns = [
    path("people/", directory.directory, name="directory"),
    path("people/experts/", directory.experts, name="experts"),
    path("people/<str:username>/", profiles.profile, name="profile"),
    path("settings/", auth.settings_page, name="settings"),
    path("settings/security/", security.security, name="security"),
    path("settings/security/tokens/", security.create_token, name="api_token_create"),
    path(
        "settings/security/tokens/<int:token_id>/revoke/",
        security.revoke_token,
        name="api_token_revoke",
    ),
    path("invitation/<str:token>/", auth.accept_invitation, name="accept_invitation"),
]
