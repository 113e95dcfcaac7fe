from django.urls import path

from cercle.agenda import edit_views, freebusy_views, import_views, reminder_views, views

urlpatterns = [
    path("agenda/", views.agenda, name="agenda"),
    path("agenda/new/", views.new_event, name="agenda_new"),
    path("agenda/events/<int:event_id>/", views.event_detail, name="agenda_event"),
    path("agenda/events/<int:event_id>/respond", views.respond, name="agenda_respond"),
    path("agenda/events/<int:event_id>/event.ics", views.event_ics, name="agenda_event_ics"),
    path(
        "agenda/events/<int:event_id>/reminders",
        reminder_views.event_reminders,
        name="agenda_event_reminders",
    ),
    path("agenda/events/<int:event_id>/edit/", edit_views.edit_event, name="agenda_edit"),
    path("agenda/events/<int:event_id>/cancel", edit_views.cancel_event, name="agenda_cancel"),
    path(
        "agenda/events/<int:event_id>/restore",
        edit_views.restore_occurrence,
        name="agenda_restore",
    ),
    path("agenda/import/", import_views.import_ics, name="agenda_import"),
    path("agenda/freebusy/", freebusy_views.freebusy_fragment, name="agenda_freebusy"),
    path("agenda/reminders/", reminder_views.default_reminders, name="agenda_reminders"),
    path("agenda/feed/<str:token>/calendar.ics", views.feed, name="agenda_feed"),
    path("agenda/feed/regenerate", views.regenerate_feed, name="agenda_feed_regenerate"),
    path("spaces/<slug:slug>/agenda/", views.space_agenda, name="agenda_space"),
]
