from __future__ import annotations

from django.urls import path

from cercle.homepage import views

urlpatterns = [
    path("manage/home/", views.manage, name="homepage_manage"),
    path("manage/home/links/<int:link_id>/", views.edit_link, name="homepage_edit_link"),
    path("manage/home/links/<int:link_id>/move/", views.move_link, name="homepage_move_link"),
    path("manage/home/links/<int:link_id>/remove/", views.remove_link, name="homepage_remove_link"),
]
