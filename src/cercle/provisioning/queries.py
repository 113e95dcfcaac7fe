"""Reads of provisioning: the people and departments SCIM shows, its filters as database
queries (scim2-models parses and resolves them; each attribute Cercle can search is mapped
here), the tokens' list."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from scim2_models import (
    Group,
    InvalidFilterException,
    NotFoundException,
    ScimFilter,
)
from scim2_models.path import (
    CompareOperator,
    Comparison,
    FilterVisitor,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

from cercle.accounts.models import Department, User
from cercle.provisioning.models import ScimGroupRule, ScimToken
from cercle.provisioning.scim.resources import ScimUser


def scim_tokens() -> QuerySet[ScimToken]:
    return ScimToken.objects.select_related("created_by").order_by("revoked_at", "-created_at")


def scim_people() -> QuerySet[User]:
    """People as SCIM sees them: everyone but those the provider deleted; one query a page."""
    return (
        User.objects.exclude(scim_identity__deleted_at__isnull=False)
        .select_related("scim_identity", "profile", "profile__department", "profile__manager")
        .order_by("pk")
    )


def scim_person(person_id: str) -> User:
    try:
        pk = int(person_id)
    except ValueError:
        raise NotFoundException(detail=f"No user {person_id}") from None
    person = scim_people().filter(pk=pk).first() if 0 < pk < 2**63 else None
    if person is None:
        raise NotFoundException(detail=f"No user {person_id}")
    return person


def scim_departments() -> QuerySet[Department]:
    return Department.objects.select_related("scim_group").order_by("pk")


def members_of(departments: list[Department]) -> dict[int, list[User]]:
    """The people of each department, in one query."""
    by_department: dict[int, list[User]] = {department.pk: [] for department in departments}
    people = (
        User.objects.filter(profile__department__in=[d.pk for d in departments])
        .exclude(scim_identity__deleted_at__isnull=False)
        .only("pk", "username", "first_name", "last_name", "profile__department_id")
        .select_related("profile")
        .order_by("pk")
    )
    for person in people:
        by_department[person.profile.department_id].append(person)  # type: ignore[index]
    return by_department


def scim_department(group_id: str) -> Department:
    try:
        pk = int(group_id)
    except ValueError:
        raise NotFoundException(detail=f"No group {group_id}") from None
    department = scim_departments().filter(pk=pk).first() if 0 < pk < 2**63 else None
    if department is None:
        raise NotFoundException(detail=f"No group {group_id}")
    return department


# --- Filters ----------------------------------------------------------------------------------

# (attribute, sub-attribute) as scim2-models resolves them → the column it is read from.
# `userName` of a person the provider never named is their email (how Entra ID and Okta find
# people who were in Cercle before them): handled apart.
USER_COLUMNS: dict[tuple[str, str | None], str] = {
    ("id", None): "pk",
    ("external_id", None): "scim_identity__external_id",
    ("emails", "value"): "email",
    ("active", None): "is_active",
    ("name", "given_name"): "first_name",
    ("name", "family_name"): "last_name",
    ("title", None): "profile__job_title",
    ("department", None): "profile__department__name",
    ("display_name", None): "scim_identity__attributes__displayName",
}
GROUP_COLUMNS: dict[tuple[str, str | None], str] = {
    ("id", None): "pk",
    ("display_name", None): "name",
    ("external_id", None): "scim_group__external_id",
    ("members", "value"): "profiles__user_id",
}
_LOOKUPS = {
    CompareOperator.eq: "iexact",
    CompareOperator.co: "icontains",
    CompareOperator.sw: "istartswith",
    CompareOperator.ew: "iendswith",
    CompareOperator.gt: "gt",
    CompareOperator.ge: "gte",
    CompareOperator.lt: "lt",
    CompareOperator.le: "lte",
}


def _joined(visitor: FilterVisitor[Q], node: LogicalExpr) -> Q:
    result = visitor.visit(node.terms[0])
    for term in node.terms[1:]:
        if node.op == LogicalOperator.and_:
            result &= visitor.visit(term)
        else:
            result |= visitor.visit(term)
    return result


class _ToQ(FilterVisitor[Q]):
    def __init__(self, scim_filter: Any, columns: dict[tuple[str, str | None], str]) -> None:
        self.filter = scim_filter
        self.columns = columns

    def _column(self, attr_path: Any) -> tuple[str, str]:
        binding = self.filter.resolve_comparison(attr_path)
        key = (binding.field_name, binding.sub_field_name)
        if key == ("user_name", None):
            return "userName", ""
        if key not in self.columns:
            raise InvalidFilterException(detail=f"Filtering on {attr_path} is not supported")
        return self.columns[key], ""

    def _compare(self, column: str, op: CompareOperator, value: Any) -> Q:
        if op == CompareOperator.ne:
            return ~self._compare(column, CompareOperator.eq, value)
        if isinstance(value, bool) or value is None or column in {"pk", "profiles__user_id"}:
            if op != CompareOperator.eq:
                raise InvalidFilterException(detail=f"{op.value} does not apply here")
            if column in {"pk", "profiles__user_id"}:
                try:
                    number = int(str(value))
                except ValueError:
                    return Q(pk__in=[])
                return Q(**{column: number}) if 0 < number < 2**63 else Q(pk__in=[])
            return Q(**{f"{column}__isnull": True}) if value is None else Q(**{column: value})
        return Q(**{f"{column}__{_LOOKUPS[op]}": str(value)})

    def visit_comparison(self, node: Comparison) -> Q:
        column, _unused = self._column(node.attr_path)
        if column == "userName":
            named = self._compare("scim_identity__user_name", node.op, node.value)
            unnamed = self._compare("email", node.op, node.value)
            return Q(scim_identity__isnull=False) & named | Q(scim_identity__isnull=True) & unnamed
        return self._compare(column, node.op, node.value)

    def visit_present(self, node: Present) -> Q:
        column, _unused = self._column(node.attr_path)
        if column == "userName" or column in {"pk", "email", "is_active", "name"}:
            return Q()
        if column.startswith("scim_identity__attributes__"):
            return Q(**{f"{column}__isnull": False})
        return Q(**{f"{column}__isnull": False}) & ~Q(**{column: ""})

    def visit_not(self, node: Not) -> Q:
        return ~self.visit(node.expr)

    def visit_logical_expr(self, node: LogicalExpr) -> Q:
        return _joined(self, node)

    def visit_value_path(self, node: ValuePath) -> Q:
        # emails[type eq "work" and value eq "x"], members[value eq "7"]: Cercle keeps one value
        # per person (their sign-in address) and no type, so the entry's `value` is compared
        # and its type or primary flag match that value.
        return _EntryToQ(self, node.attr_path).visit(node.val_filter)


class _EntryToQ(FilterVisitor[Q]):
    def __init__(self, outer: _ToQ, attr_path: Any) -> None:
        self.outer = outer
        self.attr_path = attr_path

    def visit_comparison(self, node: Comparison) -> Q:
        name = node.attr_path.attr.lower()
        if name == "value":
            path = type(self.attr_path)(attr=self.attr_path.attr, sub_attr="value")
            column, _unused = self.outer._column(path)
            return self.outer._compare(column, node.op, node.value)
        if name in {"type", "primary", "display"}:
            return Q()
        raise InvalidFilterException(detail=f"Filtering on {node.attr_path} is not supported")

    def visit_present(self, node: Present) -> Q:
        return Q()

    def visit_not(self, node: Not) -> Q:
        return ~self.visit(node.expr)

    def visit_logical_expr(self, node: LogicalExpr) -> Q:
        return _joined(self, node)

    def visit_value_path(self, node: ValuePath) -> Q:
        raise InvalidFilterException(detail="Nested value filters are not supported")


def filter_q(text: str, *, groups: bool = False) -> Q:
    """The condition a SCIM filter stands for; `InvalidFilterException` for a filter that
    does not parse, names an unknown attribute, or one Cercle cannot search."""
    model: Any = Group if groups else ScimUser
    try:
        scim_filter = ScimFilter[model](text)
    except ValueError as error:
        raise InvalidFilterException(detail=str(error)) from error
    return _ToQ(scim_filter, GROUP_COLUMNS if groups else USER_COLUMNS).visit(scim_filter.ast)


def group_rules() -> QuerySet[ScimGroupRule]:
    """The mappings of SCIM groups to spaces, with how many people each gave (one query)."""
    return ScimGroupRule.objects.select_related("space").annotate(
        granted=Count("grants__user", distinct=True)
    )
