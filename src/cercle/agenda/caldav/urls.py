from django.urls import path, re_path

from cercle.agenda.caldav import views

urlpatterns = [
    re_path(r"^\.well-known/caldav/?$", views.well_known, name="caldav_well_known"),
    path("caldav/", views.dav, name="caldav_root"),
    path("caldav/<path:path>", views.dav, name="caldav"),
]
