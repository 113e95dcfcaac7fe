from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "cercle.sso"
    label = "sso"

    def ready(self) -> None:
        from cercle.sso import audit_labels, receivers  # noqa: F401  (the two-factor deadline)

        audit_labels.register()
