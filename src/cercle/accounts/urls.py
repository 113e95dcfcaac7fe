"""Pages about people: the directory, profiles, the org chart, one's settings and security."""

from django.urls import path

from cercle.accounts.views import directory, profiles, security

urlpatterns = [
    path("people/", directory.directory, name="directory"),
    path("people/experts/", directory.experts, name="experts"),
    path("people/<str:username>/", profiles.profile, name="profile"),
    path("settings/", profiles.settings_page, name="settings"),
    path("settings/security/", security.security, name="security"),
]
