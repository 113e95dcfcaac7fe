"""Administration pages for admins (the IT department)."""

from django.urls import path

from cercle.administration import sso_views, views

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
    path("documents/", views.documents, name="admin_documents"),
    path("audit/", views.audit, name="admin_audit"),
    path("sso/", sso_views.sso, name="admin_sso"),
    path("sso/add/<str:kind>/", sso_views.add_provider, name="admin_sso_add"),
    path("sso/domains/", sso_views.domains, name="admin_sso_domains"),
    path("sso/two-factor/", sso_views.two_factor, name="admin_sso_two_factor"),
    path("sso/sessions/", sso_views.sessions, name="admin_sso_sessions"),
    path("sso/break-glass/", sso_views.add_break_glass, name="admin_sso_break_glass"),
    path(
        "sso/break-glass/<int:person_id>/remove/",
        sso_views.remove_break_glass,
        name="admin_sso_break_glass_remove",
    ),
    path("sso/providers/<str:provider_key>/", sso_views.provider, name="admin_sso_provider"),
    path(
        "sso/providers/<str:provider_key>/mapping/",
        sso_views.mapping,
        name="admin_sso_mapping",
    ),
    path(
        "sso/providers/<str:provider_key>/delete/",
        sso_views.delete_provider,
        name="admin_sso_delete",
    ),
    path("sso/providers/<str:provider_key>/test/", sso_views.test_provider, name="admin_sso_test"),
    path(
        "sso/providers/<str:provider_key>/test/result/",
        sso_views.test_result,
        name="admin_sso_test_result",
    ),
]
