"""Form helpers shared by every app's web views."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def form_add_validation_error(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ``ValidationError`` on a form: each field's messages on that field when
    the form has it, the rest (and errors without fields) as form-wide errors."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
