from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "cercle.sso"
    label = "sso"

    def ready(self) -> None:
        from cercle.sso import audit_labels

        audit_labels.register()
