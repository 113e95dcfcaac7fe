from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cercle.core"
    label = "core"
