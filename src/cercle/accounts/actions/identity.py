"""Writes an identity source (SCIM, a directory) makes about a person's sign-in identity: the
email address an administrator's provider sets, which people do not choose themselves."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.accounts.queries import may_manage_person
from cercle.audit.actions import log_event


def set_email(*, actor: User, person: User, email: str, request: HttpRequest | None = None) -> User:
    """Make `email` the person's sign-in address (verified: the organisation's provider says
    so); the previous address is dropped. Refused when another person holds it."""
    if not may_manage_person(actor, person):
        raise PermissionDenied(_("Only administrators may change an administrator's account."))
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise ValidationError({"email": _("Enter a valid email address.")}) from error
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        old = person.email
        if old.lower() == email:
            return person
        taken = (
            User.objects.filter(email__iexact=email).exclude(pk=person.pk).exists()
            or EmailAddress.objects.filter(email__iexact=email).exclude(user=person).exists()
        )
        if taken:
            raise ValidationError({"email": _("A person with this email address already exists.")})
        person.email = email
        try:
            with transaction.atomic():
                person.save(update_fields=["email"])
        except IntegrityError as error:
            raise ValidationError(
                {"email": _("A person with this email address already exists.")}
            ) from error
        EmailAddress.objects.filter(user=person).delete()
        EmailAddress.objects.create(user=person, email=email, verified=True, primary=True)
        log_event(
            actor=actor,
            action="accounts.email_set",
            target=person,
            old={"email": old},
            new={"email": email},
            request=request,
        )
    return person
