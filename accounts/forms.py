from __future__ import annotations

from django import forms

from .models import Address, PostalAddress


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = [*PostalAddress.ADDRESS_FIELDS, "is_default"]
        labels = {"is_default": "Use this address by default at checkout", "postcode": "Postcode / ZIP"}
