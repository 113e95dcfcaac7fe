"""Notification pages."""

from django.urls import path

from cercle.notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/bell/", views.bell, name="notification_bell"),
    path("notifications/read-all/", views.read_all, name="notifications_read_all"),
    path("notifications/settings/", views.settings_page, name="notification_settings"),
    path(
        "notifications/<int:notification_id>/open/",
        views.open_notification,
        name="notification_open",
    ),
    path(
        "notifications/devices/<int:subscription_id>/remove/",
        views.remove_device,
        name="notification_device_remove",
    ),
    path(
        "notifications/spaces/<int:space_id>/level/",
        views.space_level,
        name="notification_space_level",
    ),
]
