"""Reads of carts: what is in a cart, at today's prices."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from catalog.models import Product, ProductVariant
from core.limits import cart_line_quantity_max

from .models import Cart


@dataclass
class CartItem:
    product: Product
    variant: ProductVariant  # the size bought
    quantity: int
    unit_price: Decimal  # the size's current price, in SHOP_CURRENCY
    line_total: Decimal
    # Why this line cannot be bought as it is ("" when it can).
    problem: str = ""

    @property
    def max_quantity(self) -> int:
        return max(0, min(self.variant.stock, cart_line_quantity_max()))

    @property
    def size(self) -> str:
        """The size bought ("" for one size)."""
        return self.variant.size


@dataclass
class CartSummary:
    cart: Cart | None
    items: list[CartItem] = field(default_factory=list)
    subtotal: Decimal = Decimal("0.00")
    currency: str = ""

    @property
    def count(self) -> int:
        """Units in the cart (what the header badge shows)."""
        return sum(item.quantity for item in self.items)

    @property
    def problems(self) -> list[str]:
        return [item.problem for item in self.items if item.problem]

    @property
    def is_empty(self) -> bool:
        return not self.items


def cart_get(*, cart_id: int | None = None, user: User | AnonymousUser | None = None) -> Cart | None:
    """A registered shopper's cart, or the guest cart with this id (never another user's)."""
    if user is not None and user.is_authenticated:
        return Cart.objects.filter(user=user).first()
    if cart_id is None:
        return None
    return Cart.objects.filter(pk=cart_id, user__isnull=True).first()


def cart_summary(*, cart: Cart | None) -> CartSummary:
    """The cart's lines (one per size) with current prices and totals (prices are read from the
    catalog, never from the browser). Lines whose product is no longer sold or whose size lacks
    stock carry a ``problem``."""
    summary = CartSummary(cart=cart, currency=settings.SHOP_CURRENCY)
    if cart is None:
        return summary
    lines = cart.lines.select_related("product", "product__category", "product__seller", "variant").prefetch_related(
        "product__images"
    )
    for line in lines:
        product, variant = line.product, line.variant
        variant.product = product
        name = str(variant)  # "Trainers (EU 42)", or the product's name for one size
        problem = ""
        if not product.is_sellable:
            problem = f"{product.name} is no longer sold."
        elif variant.stock == 0:
            problem = f"{name} is sold out."
        elif line.quantity > variant.stock:
            problem = f"Only {variant.stock} of {name} left in stock."
        unit_price = variant.unit_price
        line_total = unit_price * line.quantity
        summary.items.append(
            CartItem(
                product=product,
                variant=variant,
                quantity=line.quantity,
                unit_price=unit_price,
                line_total=line_total,
                problem=problem,
            )
        )
        summary.subtotal += line_total
    return summary
