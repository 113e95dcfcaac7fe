"""The company directory's administration pages, under /manage/directory/."""

from django.urls import path

from cercle.directory import views

urlpatterns = [
    path("", views.settings_page, name="directory_settings"),
    path("test/", views.test, name="directory_test"),
    path("rules/", views.add_rule, name="directory_add_rule"),
    path("rules/<int:rule_id>/delete/", views.delete_rule, name="directory_delete_rule"),
    path("runs/", views.start, name="directory_start"),
    path("runs/<int:directory_run_id>/", views.run_page, name="directory_run"),
]
