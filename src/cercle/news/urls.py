from django.urls import path

from cercle.news import views

urlpatterns = [
    path("news/", views.news_list, name="news"),
    path("spaces/<slug:slug>/news/", views.space_news, name="space_news"),
    path("news/write/", views.news_write, name="news_write"),
    path("news/categories/", views.news_categories, name="news_categories"),
    path(
        "news/categories/<int:category_id>/delete/",
        views.news_category_delete,
        name="news_category_delete",
    ),
    path("news/<int:article_id>/", views.news_article, name="news_article"),
    path("news/<int:article_id>/edit/", views.news_edit, name="news_edit"),
    path("news/<int:article_id>/delete/", views.news_delete, name="news_delete"),
    path("news/<int:article_id>/cover/", views.news_cover, name="news_cover"),
    path("news/<int:article_id>/reads/", views.news_reads, name="news_reads"),
    path("news/<int:article_id>/comments/", views.news_comments, name="news_comments"),
    path("news/<int:article_id>/comment/", views.news_comment, name="news_comment"),
    path("news/<int:article_id>/react/", views.news_react, name="news_react"),
    path("news/<int:article_id>/share/", views.news_share, name="news_share"),
    path("news/comments/<int:comment_id>/edit/", views.news_comment_edit, name="news_comment_edit"),
    path("news/reports/", views.news_reports, name="news_reports"),
    path("news/comments/<int:comment_id>/hide/", views.news_comment_hide, name="news_comment_hide"),
    path(
        "news/comments/<int:comment_id>/unhide/",
        views.news_comment_unhide,
        name="news_comment_unhide",
    ),
    path(
        "news/comments/<int:comment_id>/report/",
        views.news_comment_report,
        name="news_comment_report",
    ),
    path(
        "news/comments/<int:comment_id>/dismiss/",
        views.news_comment_dismiss,
        name="news_comment_dismiss",
    ),
    path(
        "news/comments/<int:comment_id>/delete/",
        views.news_comment_delete,
        name="news_comment_delete",
    ),
]
