"""Provisioning's administration page, under /manage/provisioning/. Its views import the SCIM
actions (and so scim2-models): imported at the first request (`lazy_view`)."""

from django.urls import path

from cercle.core.lazy_views import lazy_view

VIEWS = "cercle.provisioning.views"

urlpatterns = [
    path("", lazy_view(f"{VIEWS}.tokens"), name="provisioning_tokens"),
    path("<int:scim_token_id>/revoke/", lazy_view(f"{VIEWS}.revoke"), name="provisioning_revoke"),
    path("groups/", lazy_view(f"{VIEWS}.add_group_rule"), name="provisioning_add_group_rule"),
    path(
        "groups/<int:scim_rule_id>/delete/",
        lazy_view(f"{VIEWS}.delete_group_rule"),
        name="provisioning_delete_group_rule",
    ),
]
