"""Administration pages for admins (the IT department)."""

from django.urls import path

from cercle.administration import views

urlpatterns = [
    path("people/", views.people, name="admin_people"),
]
