from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "cercle.administration"
    label = "administration"
