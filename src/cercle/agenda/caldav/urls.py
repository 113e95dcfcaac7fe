from django.urls import path, re_path

from cercle.agenda.caldav import views

urlpatterns = [
    re_path(r"^\.well-known/caldav/?$", views.well_known, name="caldav_well_known"),
    path("dav/", views.dav, name="caldav_root"),
    path("dav/<path:path>", views.dav, name="caldav"),
]
