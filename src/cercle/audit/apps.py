from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "cercle.audit"
    label = "audit"
