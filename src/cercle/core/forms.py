"""Helpers the modules' forms share."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def error_into_form(form: forms.BaseForm, error: ValidationError) -> None:
    """An action's refusal shown on the form: each field's errors on that field (when the form has
    it), the rest above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
