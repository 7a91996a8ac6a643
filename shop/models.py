from __future__ import annotations

from django.conf import settings
from django.db import models


class Cart(models.Model):
    """A shopper's cart, kept in the database (any web process can serve the next request).
    A guest's cart is found through the session; a registered shopper has one cart."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="cart"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Cart {self.pk}"


class CartLine(models.Model):
    """Units of one size of a product. ``product`` is always ``variant.product`` (set by
    ``shop.services``): kept so lines are listed and cleared by product without a join."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey("catalog.ProductVariant", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cartline_unique_variant"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="cartline_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id}"
