from __future__ import annotations

from django import forms

from .models import Address


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = [
            "full_name", "phone", "address_line1", "address_line2", "city", "postcode", "region", "country",
            "is_default",
        ]  # fmt: skip
        labels = {"is_default": "Use this address by default at checkout", "postcode": "Postcode / ZIP"}
