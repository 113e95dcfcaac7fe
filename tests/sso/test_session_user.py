"""A session's person is read with their profile in one query, by each password backend (the
header's links and the home's parts read the profile on nearly every page)."""

from __future__ import annotations

from typing import Any

import pytest

from cercle.sso.backends import AuthenticationBackend, ModelBackend
from tests.factories import make_department, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_the_session_s_person_comes_with_their_profile(
    backend: type, django_assert_num_queries: Any
) -> None:
    sales = make_department("Ventes")
    person = make_user(department=sales)
    with django_assert_num_queries(1):
        found = backend().get_user(person.pk)
        assert found.profile.department_id == sales.pk
    assert backend().get_user(10**9) is None
    person.is_active = False
    person.save()
    assert backend().get_user(person.pk) is None
