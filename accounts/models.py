from __future__ import annotations

from typing import ClassVar, cast

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django_countries.fields import Country, CountryField


class UserManager(BaseUserManager["User"]):
    """Users log in with their email address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: object) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields: object) -> User:
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if extra_fields.get("is_staff") is not True or extra_fields.get("is_superuser") is not True:
            raise ValueError("A superuser must have is_staff=True and is_superuser=True.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None  # type: ignore[assignment]  # no username column: the stubs type AbstractUser's as str
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]  # email login: not auth's UserManager

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email


class PostalAddress(models.Model):
    """A shipping address: the fields of a saved address and of an order's delivery address.

    The one definition of an address: ``ADDRESS_FIELDS`` (the fields below, in order) drives
    the checkout and profile forms, the checkout and order serializers, the order admin and
    ``orders.services.ShippingAddress``, so adding a field here (plus its migration) adds it
    everywhere."""

    #: The address's field names, in the order they are declared (set below the class).
    ADDRESS_FIELDS: ClassVar[tuple[str, ...]]

    full_name = models.CharField(max_length=200)
    phone = models.CharField(max_length=40, blank=True)
    address_line1 = models.CharField("address", max_length=200)
    address_line2 = models.CharField("address (line 2)", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postcode = models.CharField(max_length=20)
    region = models.CharField("state / region", max_length=100, blank=True)
    country = CountryField()

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        """The address as printed on a parcel, one line per element (empty ones left out)."""
        city_line = " ".join(part for part in (self.postcode, self.city) if part)
        country = cast(Country, self.country)  # CountryField answers a Country; the stubs see a CharField's str
        lines = [self.full_name, self.address_line1, self.address_line2, city_line, self.region, country.name]
        return [line for line in lines if line]


PostalAddress.ADDRESS_FIELDS = tuple(field.name for field in PostalAddress._meta.fields)


class Address(PostalAddress):
    """A shipping address saved in a shopper's profile (orders keep their own copy)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-created_at", "-id"]
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return ", ".join(part for part in (self.full_name, self.address_line1, self.city) if part)


class Seller(models.Model):
    """A user who sells in the shop. Applies with a store name; staff approve (or reject or
    suspend). Only an approved seller can publish products (the rule:
    ``accounts.selectors.seller_is_approved``)."""

    class Status(models.TextChoices):
        APPLIED = "applied", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SUSPENDED = "suspended", "Suspended"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="seller")
    store_name = models.CharField(max_length=100, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPLIED, db_index=True)
    applied_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["store_name"]

    def __str__(self) -> str:
        return self.store_name
