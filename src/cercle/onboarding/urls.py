from __future__ import annotations

from django.urls import path

from cercle.onboarding import views

urlpatterns = [
    path("welcome/", views.checklist, name="onboarding"),
    path("welcome/hide/", views.hide, name="onboarding_hide"),
    path("welcome/show/", views.show, name="onboarding_show"),
    path("welcome/post/", views.welcome_post, name="onboarding_welcome_post"),
    path("welcome/steps/<str:step>/skip/", views.skip, name="onboarding_skip"),
    path("welcome/steps/<str:step>/done/", views.done, name="onboarding_done"),
    path("welcome/spaces/<int:space_id>/join/", views.join, name="onboarding_join"),
    path("welcome/people/<int:person_id>/follow/", views.follow, name="onboarding_follow"),
    path("manage/onboarding/", views.manage, name="onboarding_manage"),
    path(
        "manage/onboarding/suggestions/<int:suggestion_id>/remove/",
        views.remove_suggestion,
        name="onboarding_remove_suggestion",
    ),
]
