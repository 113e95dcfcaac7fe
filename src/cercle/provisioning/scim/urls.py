"""/scim/v2/: the SCIM service provider's endpoints (RFC 7644 §3.2), with or without a
trailing slash (identity providers differ)."""

from django.urls import re_path

from cercle.provisioning.scim import views

urlpatterns = [
    re_path(r"^\.search/?$", views.root_search, name="scim_search"),
    re_path(r"^Users/?$", views.users, name="scim_users"),
    re_path(r"^Users/\.search/?$", views.users_search, name="scim_users_search"),
    re_path(r"^Users/(?P<person_id>[^/]+)/?$", views.user, name="scim_user"),
    re_path(r"^Groups/?$", views.groups, name="scim_groups"),
    re_path(r"^Groups/\.search/?$", views.groups_search, name="scim_groups_search"),
    re_path(r"^Groups/(?P<group_id>[^/]+)/?$", views.group, name="scim_group"),
    re_path(r"^ServiceProviderConfig/?$", views.service_provider_config, name="scim_config"),
    re_path(r"^Schemas/?$", views.schemas, name="scim_schemas"),
    re_path(r"^Schemas/(?P<schema_id>[^/]+)/?$", views.schemas, name="scim_schema"),
    re_path(r"^ResourceTypes/?$", views.resource_types, name="scim_resource_types"),
    re_path(
        r"^ResourceTypes/(?P<type_id>[^/]+)/?$", views.resource_types, name="scim_resource_type"
    ),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="scim_not_found"),
]
