"""Pages of personal data and retention."""

from django.urls import path

from cercle.privacy import views

urlpatterns = [
    path("privacy/my-data/", views.my_data, name="privacy_my_data"),
    path("privacy/my-data/<int:export_id>/", views.export_status, name="privacy_export_status"),
    path(
        "privacy/my-data/<int:export_id>/download/",
        views.export_download,
        name="privacy_export_download",
    ),
    path("manage/privacy/", views.admin_privacy, name="privacy_admin"),
    path("manage/privacy/erase/<int:person_id>/", views.erase, name="privacy_erase"),
    path(
        "manage/privacy/audit.csv",
        views.audit_export,
        {"export_format": "csv"},
        name="privacy_audit_csv",
    ),
    path(
        "manage/privacy/audit.jsonl",
        views.audit_export,
        {"export_format": "jsonl"},
        name="privacy_audit_jsonl",
    ),
]
