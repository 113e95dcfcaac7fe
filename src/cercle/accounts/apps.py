from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cercle.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Imported here: they load models, which exist once the app registry is ready.
        from cercle.accounts import audit_labels, receivers  # noqa: F401  (login audit entries)

        audit_labels.register()
