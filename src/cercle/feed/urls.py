"""Pages of the wall: posts, comments, reactions, shares, hashtags, profile walls."""

from django.urls import path

from cercle.feed import views

urlpatterns = [
    path("feed/new/", views.new_posts, name="feed_new_posts"),
    path("feed/mentions/", views.mention_suggestions, name="mention_suggestions"),
    # After the spaces app's own "spaces/…/" pages (cercle/urls.py includes them first).
    path("spaces/<slug:slug>/", views.space_page, name="space"),
    path("posts/", views.create, name="post_create"),
    path("posts/<int:post_id>/", views.detail, name="post"),
    path("posts/<int:post_id>/edit/", views.edit, name="post_edit"),
    path("posts/<int:post_id>/history/", views.history, name="post_history"),
    path("posts/<int:post_id>/delete/", views.delete, name="post_delete"),
    path("posts/<int:post_id>/react/", views.react, name="post_react"),
    path("posts/<int:post_id>/reactions/", views.reactions, name="post_reactions"),
    path("posts/<int:post_id>/comments/", views.comment, name="post_comment"),
    path("posts/<int:post_id>/share/", views.share, name="post_share"),
    path("posts/<int:post_id>/pin/", views.pin, name="post_pin"),
    path("posts/<int:post_id>/save/", views.save, name="post_save"),
    path("posts/<int:post_id>/report/", views.report, name="post_report"),
    path("moderation/", views.moderation, name="moderation"),
    path("moderation/reports/<int:report_id>/decide/", views.decide_report, name="report_decide"),
    path("attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path(
        "attachments/<int:attachment_id>/preview/",
        views.attachment_preview,
        name="attachment_preview",
    ),
    path("comments/<int:comment_id>/edit/", views.edit_comment, name="comment_edit"),
    path("comments/<int:comment_id>/delete/", views.delete_comment, name="comment_delete"),
    path("hashtags/<str:name>/", views.hashtag, name="hashtag"),
    path("hashtags/<str:name>/follow/", views.follow_hashtag, name="hashtag_follow"),
    path("people/<str:username>/wall/", views.profile_wall, name="profile_wall"),
]
