"""The messages pages under /messages/."""

from django.urls import path

from cercle.chat import views

urlpatterns = [
    path("", views.inbox, name="chat_inbox"),
    path("new/", views.new_group, name="chat_new_group"),
    path("unread/", views.unread, name="chat_unread"),
    path("with/<str:username>/", views.start_direct, name="chat_start_direct"),
    path("<int:conversation_id>/", views.conversation, name="chat_conversation"),
    path("<int:conversation_id>/send/", views.send, name="chat_send"),
]
