"""Pages of announcements (their paths and names unchanged since they left the feed)."""

from django.urls import path

from cercle.announcements import views

urlpatterns = [
    path("feed/announcements/", views.announcements, name="feed_announcements"),
    path("posts/<int:post_id>/announce/", views.announce, name="post_announce"),
    path("posts/<int:post_id>/unannounce/", views.unannounce, name="post_unannounce"),
    path(
        "announcements/<int:announcement_id>/",
        views.announcement_report,
        name="announcement_report",
    ),
    path(
        "announcements/<int:announcement_id>/receipt/",
        views.announcement_receipt,
        name="announcement_receipt",
    ),
    path(
        "announcements/<int:announcement_id>/remind/",
        views.announcement_remind,
        name="announcement_remind",
    ),
    path(
        "announcements/<int:announcement_id>/acknowledgements.csv",
        views.announcement_csv,
        name="announcement_csv",
    ),
]
