from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cercle.accounts"
    label = "accounts"

    def ready(self) -> None:
        from cercle.accounts import receivers  # noqa: F401  (login audit entries)
