from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "cercle.administration"
    label = "administration"

    def ready(self) -> None:
        # Imported here: they load models, which exist once the app registry is ready.
        from cercle.administration import navigation, personal_data

        navigation.register()
        personal_data.register()
