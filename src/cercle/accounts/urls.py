"""Pages about people: the directory, profiles, the org chart, one's settings and security."""

from django.urls import path

from cercle.accounts.views import auth, directory, orgchart, profiles, pwa, security

urlpatterns = [
    path("manifest.webmanifest", pwa.manifest, name="pwa_manifest"),
    path("icons/<str:name>.png", pwa.icon, name="pwa_icon"),
    path("people/", directory.directory, name="directory"),
    path("people/experts/", directory.experts, name="experts"),
    path("people/autocomplete/", profiles.people_autocomplete, name="people_autocomplete"),
    path("skills/autocomplete/", profiles.skill_autocomplete, name="skill_autocomplete"),
    path("people/<str:username>/", profiles.profile, name="profile"),
    path("people/<str:username>/edit/", profiles.profile_edit, name="profile_edit"),
    path("people/<str:username>/org/", orgchart.orgchart, name="orgchart"),
    path("people/<str:username>/follow/", profiles.follow, name="follow"),
    path("people/<str:username>/skills/", profiles.skill_add, name="skill_add"),
    path(
        "people/<str:username>/skills/<int:skill_id>/",
        profiles.skill_update,
        name="skill_update",
    ),
    path(
        "people/<str:username>/skills/<int:skill_id>/endorse/",
        profiles.endorse,
        name="endorse",
    ),
    path("departments/<slug:slug>/", orgchart.department, name="department"),
    path("sites/<slug:slug>/", orgchart.site, name="site"),
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
