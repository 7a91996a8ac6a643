"""App configs the project gives two apps it does not own: Django admin, with the Vitrine
admin site as its default (``config.admin.VitrineAdminSite``), and allauth's account app,
renamed so the admin index has one "Accounts" section (the project's ``accounts`` app)."""

from __future__ import annotations

from allauth.account.apps import AccountConfig
from django.contrib.admin.apps import AdminConfig


class VitrineAdminConfig(AdminConfig):
    default_site = "config.admin.VitrineAdminSite"


class EmailAddressesConfig(AccountConfig):
    """allauth's ``account`` app (label ``account``, its models and migrations unchanged),
    shown in the admin as "E-mail addresses" rather than a second "Accounts"."""

    verbose_name = "E-mail addresses"
