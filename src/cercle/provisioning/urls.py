"""Provisioning's administration page, under /manage/provisioning/."""

from django.urls import path

from cercle.provisioning import views

urlpatterns = [
    path("", views.tokens, name="provisioning_tokens"),
    path("<int:scim_token_id>/revoke/", views.revoke, name="provisioning_revoke"),
    path("groups/", views.add_group_rule, name="provisioning_add_group_rule"),
    path(
        "groups/<int:scim_rule_id>/delete/",
        views.delete_group_rule,
        name="provisioning_delete_group_rule",
    ),
]
