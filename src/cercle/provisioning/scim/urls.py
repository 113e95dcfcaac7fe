"""/scim/v2/: the SCIM service provider's endpoints (RFC 7644 §3.2), with or without a
trailing slash (identity providers differ). The views' module is imported at the first SCIM
request (`lazy_view`): scim2-models costs seconds at every process start otherwise."""

from collections.abc import Callable

from django.http import HttpResponse
from django.urls import re_path

from cercle.core.lazy_views import lazy_view


def _scim(name: str) -> Callable[..., HttpResponse]:
    # Every SCIM view is csrf_exempt (`views.scim_view`): bearer tokens, no cookies.
    return lazy_view(f"cercle.provisioning.scim.views.{name}", csrf_exempt=True)


urlpatterns = [
    re_path(r"^\.search/?$", _scim("root_search"), name="scim_search"),
    re_path(r"^Users/?$", _scim("users"), name="scim_users"),
    re_path(r"^Users/\.search/?$", _scim("users_search"), name="scim_users_search"),
    re_path(r"^Users/(?P<person_id>[^/]+)/?$", _scim("user"), name="scim_user"),
    re_path(r"^Groups/?$", _scim("groups"), name="scim_groups"),
    re_path(r"^Groups/\.search/?$", _scim("groups_search"), name="scim_groups_search"),
    re_path(r"^Groups/(?P<group_id>[^/]+)/?$", _scim("group"), name="scim_group"),
    re_path(r"^ServiceProviderConfig/?$", _scim("service_provider_config"), name="scim_config"),
    re_path(r"^Schemas/?$", _scim("schemas"), name="scim_schemas"),
    re_path(r"^Schemas/(?P<schema_id>[^/]+)/?$", _scim("schemas"), name="scim_schema"),
    re_path(r"^ResourceTypes/?$", _scim("resource_types"), name="scim_resource_types"),
    re_path(
        r"^ResourceTypes/(?P<type_id>[^/]+)/?$",
        _scim("resource_types"),
        name="scim_resource_type",
    ),
    re_path(r"^(?P<rest>.*)$", _scim("not_found"), name="scim_not_found"),
]
