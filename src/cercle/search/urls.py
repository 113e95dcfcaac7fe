from django.urls import path

from cercle.search import views

urlpatterns = [
    path("search/", views.search, name="search"),
    path("search/suggest/", views.suggest, name="search_suggest"),
    path("search/recent/clear/", views.clear_recent, name="search_clear_recent"),
]
