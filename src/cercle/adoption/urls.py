from django.urls import path

from cercle.adoption import views

urlpatterns = [
    path("manage/adoption/", views.adoption, name="adoption"),
    path("manage/adoption/figures.csv", views.adoption_csv, name="adoption_csv"),
]
