"""Administration pages for admins (the IT department)."""

from django.urls import path

from cercle.administration import views

urlpatterns = [
    path("", views.index, name="admin_index"),
    path("people/", views.people, name="admin_people"),
    path("people/invite/", views.invite, name="admin_invite"),
    path("people/import/", views.import_people, name="admin_import"),
    path("people/import/template.csv", views.import_template, name="admin_import_template"),
    path("people/import/<int:job_id>/", views.import_job, name="admin_import_job"),
    path(
        "people/import/<int:job_id>/valid-rows/",
        views.import_job_valid_rows,
        name="admin_import_valid_rows",
    ),
    path("people/import/<int:job_id>/cancel/", views.import_job_cancel, name="admin_import_cancel"),
    path("people/<int:person_id>/role/", views.set_role, name="admin_set_role"),
    path("people/<int:person_id>/deactivate/", views.deactivate, name="admin_deactivate"),
    path("people/<int:person_id>/reactivate/", views.reactivate, name="admin_reactivate"),
    path(
        "people/<int:person_id>/resend-invitation/",
        views.resend_invitation,
        name="admin_resend_invitation",
    ),
    path("roles/", views.roles, name="admin_roles"),
    path("departments/", views.departments, name="admin_departments"),
    path("sites/", views.sites, name="admin_sites"),
    path("organisation/", views.organisation, name="admin_organisation"),
    path("messaging/", views.messaging, name="admin_messaging"),
    path("audit/", views.audit, name="admin_audit"),
]
