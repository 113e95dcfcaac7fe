"""The messages pages under /messages/."""

from django.urls import path

from cercle.chat import views

urlpatterns = [
    path("", views.inbox, name="chat_inbox"),
    path("new/", views.new_group, name="chat_new_group"),
    path("new/direct/", views.new_direct, name="chat_new_direct"),
    path("search/", views.search, name="chat_search"),
    path("unread/", views.unread, name="chat_unread"),
    path("with/<str:username>/", views.start_direct, name="chat_start_direct"),
    path("<int:conversation_id>/", views.conversation, name="chat_conversation"),
    path("<int:conversation_id>/send/", views.send, name="chat_send"),
    path(
        "<int:conversation_id>/mentions/",
        views.mention_suggestions,
        name="chat_mention_suggestions",
    ),
    path("<int:conversation_id>/mute/", views.mute, name="chat_mute"),
    path("<int:conversation_id>/people/", views.add_people, name="chat_add_people"),
    path("<int:conversation_id>/leave/", views.leave, name="chat_leave"),
    path("settings/", views.chat_settings, name="chat_settings"),
    path("space/<slug:slug>/", views.space_channel, name="chat_space_channel"),
    path("files/<int:attachment_id>/", views.attachment, name="chat_attachment"),
]
