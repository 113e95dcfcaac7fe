from django.urls import path

from cercle.pages import views

urlpatterns = [
    path("intranet/", views.intranet, name="intranet"),
    path("pages/review/", views.page_reviews, name="page_reviews"),
    path("pages/suggest/", views.page_suggest, name="page_suggest"),
    path("pages/<int:page_id>/", views.page_permalink, name="page_permalink"),
    path("pages/images/<int:image_id>/", views.page_image, name="page_image"),
    path("spaces/<slug:slug>/pages/images/", views.page_image_upload, name="page_image_upload"),
    path("pages/<int:page_id>/comment/", views.page_comment, name="page_comment"),
    path("pages/<int:page_id>/react/", views.page_react, name="page_react"),
    path(
        "pages/comments/<int:comment_id>/edit/", views.page_comment_edit, name="page_comment_edit"
    ),
    path(
        "pages/comments/<int:comment_id>/delete/",
        views.page_comment_delete,
        name="page_comment_delete",
    ),
    path("spaces/<slug:slug>/pages/", views.pages_index, name="pages_index"),
    path("spaces/<slug:slug>/pages/new/", views.page_new, name="page_new"),
    path("spaces/<slug:slug>/pages/tree/<int:page_id>/", views.page_tree, name="page_tree"),
    path("spaces/<slug:slug>/pages/preview/", views.page_preview, name="page_preview"),
    path("spaces/<slug:slug>/pages/reorder/", views.page_reorder, name="page_reorder"),
    path("spaces/<slug:slug>/pages/<slug:page_slug>/", views.page_detail, name="page_detail"),
    path("spaces/<slug:slug>/pages/<slug:page_slug>/edit/", views.page_edit, name="page_edit"),
    path(
        "spaces/<slug:slug>/pages/<slug:page_slug>/history/",
        views.page_history,
        name="page_history",
    ),
    path("spaces/<slug:slug>/pages/<slug:page_slug>/diff/", views.page_diff, name="page_diff"),
    path(
        "spaces/<slug:slug>/pages/<slug:page_slug>/restore/<int:number>/",
        views.page_restore,
        name="page_restore",
    ),
    path("spaces/<slug:slug>/pages/<slug:page_slug>/move/", views.page_move, name="page_move"),
    path(
        "spaces/<slug:slug>/pages/<slug:page_slug>/delete/", views.page_delete, name="page_delete"
    ),
    path(
        "spaces/<slug:slug>/pages/<slug:page_slug>/reviewed/",
        views.page_reviewed,
        name="page_reviewed",
    ),
    path("spaces/<slug:slug>/pages/<slug:page_slug>/watch/", views.page_watch, name="page_watch"),
    path(
        "spaces/<slug:slug>/pages/<slug:page_slug>/editors/",
        views.page_editors,
        name="page_editors",
    ),
    path("spaces/<slug:slug>/pages/<slug:page_slug>/print/", views.page_print, name="page_print"),
    path(
        "spaces/<slug:slug>/pages/<slug:page_slug>/export.zip",
        views.page_export,
        name="page_export",
    ),
]
