"""Pages about spaces (a space's own page, its wall, is routed by the feed: `space`)."""

from django.urls import path

from cercle.spaces import views

urlpatterns = [
    path("spaces/", views.browse, name="spaces"),
    path("spaces/new/", views.create, name="space_create"),
    path(
        "spaces/invitations/<int:invitation_id>/respond/",
        views.respond,
        name="space_invitation_respond",
    ),
    path("spaces/requests/<int:request_id>/decide/", views.decide, name="space_request_decide"),
    path("spaces/<slug:slug>/join/", views.join, name="space_join"),
    path("spaces/<slug:slug>/request/", views.request_to_join, name="space_request"),
    path("spaces/<slug:slug>/leave/", views.leave, name="space_leave"),
    path("spaces/<slug:slug>/follow/", views.follow, name="space_follow"),
    path("spaces/<slug:slug>/favourite/", views.favourite, name="space_favourite"),
    path("spaces/<slug:slug>/members/", views.members, name="space_members"),
    path(
        "spaces/<slug:slug>/members/<int:user_id>/role/",
        views.change_role,
        name="space_member_role",
    ),
    path(
        "spaces/<slug:slug>/members/<int:user_id>/remove/",
        views.remove,
        name="space_member_remove",
    ),
    path(
        "spaces/<slug:slug>/invitations/<int:invitation_id>/cancel/",
        views.cancel_invitation,
        name="space_invitation_cancel",
    ),
    path("spaces/<slug:slug>/settings/", views.settings_page, name="space_settings"),
    path("spaces/<slug:slug>/archive/", views.archive, name="space_archive"),
]
