"""Provisioning's administration page, under /manage/provisioning/."""

from django.urls import path

from cercle.provisioning import views

urlpatterns = [
    path("", views.tokens, name="provisioning_tokens"),
    path("<int:scim_token_id>/revoke/", views.revoke, name="provisioning_revoke"),
]
