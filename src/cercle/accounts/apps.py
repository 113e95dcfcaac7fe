from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cercle.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Imported here: they load models, which exist once the app registry is ready.
        # receivers: imported for its login audit entries.
        from cercle.accounts import audit_labels, navigation, personal_data, receivers  # noqa: F401
        from cercle.accounts.actions.auth import authenticate_api_token
        from cercle.core import uploads

        audit_labels.register()
        navigation.register()
        personal_data.register()
        # Files are downloaded with an API token as well as with the session.
        uploads.register_token_authenticator(authenticate_api_token)
