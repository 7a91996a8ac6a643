"""Writes to carts. Quantities are bounded by stock and CART_MAX_LINE_QUANTITY."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from accounts.models import User
from catalog.exceptions import InsufficientStock
from catalog.models import Product
from core.exceptions import ShopError
from core.limits import cart_line_quantity_max

from .models import Cart, CartLine


class InvalidQuantity(ShopError):
    """A quantity that is not a whole number between 1 and the per-line maximum."""


class ProductUnavailable(ShopError):
    """The product does not exist or is no longer sold."""


_ADD_REFUSAL = "Quantity must be a whole number of at least 1."


def _quantity_requested_check(quantity: object, *, adding: bool) -> int:
    """The quantity a shopper asked for: a whole number (not a bool) of at least 1. Checked
    once per request; ``_line_quantity_check`` then checks the line's resulting quantity."""
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise InvalidQuantity(_ADD_REFUSAL if adding else "Quantity must be a whole number.")
    if quantity < 1:
        raise InvalidQuantity(_ADD_REFUSAL if adding else "Quantity must be at least 1.")
    return quantity


def _line_quantity_check(*, product: Product, quantity: int) -> None:
    """A line's quantity (a whole number of at least 1) against the per-line cap and the stock."""
    limit = cart_line_quantity_max()
    if quantity > limit:
        raise InvalidQuantity(f"You can buy at most {limit} of one product per order.")
    if product.stock == 0:
        raise InsufficientStock(f"Sorry, {product.name} is sold out.", product_names=[product.name])
    if quantity > product.stock:
        raise InsufficientStock(f"Only {product.stock} of {product.name} left in stock.", product_names=[product.name])


def _product_for_cart(product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id, is_active=True).first()
    if product is None:
        raise ProductUnavailable("This product is not available.")
    return product


@transaction.atomic
def cart_get_or_create(*, user: User | AnonymousUser | None = None, cart_id: int | None = None) -> Cart:
    """The shopper's cart, created when there is none. A guest cart is identified by the id
    their session holds; a registered shopper's by their user."""
    if user is not None and user.is_authenticated:
        cart, _ = Cart.objects.get_or_create(user=user)
        return cart
    guest_cart = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    return guest_cart or Cart.objects.create()


@transaction.atomic
def cart_add_product(*, cart: Cart, product_id: int, quantity: int = 1) -> CartLine:
    """Add ``quantity`` units of a product (to what the cart already holds). Raises
    ``InvalidQuantity``, ``InsufficientStock`` or ``ProductUnavailable``; the cart is unchanged then."""
    Cart.objects.select_for_update().filter(pk=cart.pk).first()  # one writer per cart at a time
    product = _product_for_cart(product_id)
    quantity = _quantity_requested_check(quantity, adding=True)
    line = CartLine.objects.filter(cart=cart, product=product).first()
    new_quantity = quantity + (line.quantity if line else 0)
    _line_quantity_check(product=product, quantity=new_quantity)
    if line is None:
        line = CartLine(cart=cart, product=product, quantity=new_quantity)
    line.quantity = new_quantity
    line.full_clean(validate_unique=False)
    line.save()
    cart.save(update_fields=["updated_at"])
    return line


@transaction.atomic
def cart_line_set_quantity(*, cart: Cart, product_id: int, quantity: int) -> CartLine | None:
    """Set a line's quantity; 0 removes the line (returns None). Raises ``InvalidQuantity``,
    ``InsufficientStock`` or ``ProductUnavailable`` (for a product not in the cart, too)."""
    Cart.objects.select_for_update().filter(pk=cart.pk).first()
    line = CartLine.objects.filter(cart=cart, product_id=product_id).select_related("product").first()
    if line is None:
        raise ProductUnavailable("This product is not in your cart.")
    if quantity == 0 and not isinstance(quantity, bool):
        line.delete()
        return None
    quantity = _quantity_requested_check(quantity, adding=False)
    _line_quantity_check(product=line.product, quantity=quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    cart.save(update_fields=["updated_at"])
    return line


@transaction.atomic
def cart_line_remove(*, cart: Cart, product_id: int) -> None:
    """Remove a product from the cart (nothing happens when it is not there)."""
    CartLine.objects.filter(cart=cart, product_id=product_id).delete()


@transaction.atomic
def cart_merge(*, source: Cart, target: Cart) -> Cart:
    """Move a guest cart's lines into a shopper's cart at login, then delete the guest cart.
    Quantities of a product in both carts add up, capped by stock and the per-line maximum."""
    if source.pk == target.pk:
        return target
    Cart.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk").first()
    existing = {line.product_id: line for line in target.lines.select_related("product")}
    for line in source.lines.select_related("product"):
        product = line.product
        cap = min(product.stock, cart_line_quantity_max())
        if not product.is_active or cap < 1:
            continue
        if line.product_id in existing:
            kept = existing[line.product_id]
            kept.quantity = min(kept.quantity + line.quantity, cap)
            kept.save(update_fields=["quantity"])
        else:
            CartLine.objects.create(cart=target, product=product, quantity=min(line.quantity, cap))
    source.delete()
    return target


@transaction.atomic
def cart_clear(*, cart_id: int | None, product_ids: list[int] | None = None) -> None:
    """Empty a cart (or drop just ``product_ids``): after an order from it is paid."""
    if cart_id is None:
        return
    lines = CartLine.objects.filter(cart_id=cart_id)
    if product_ids is not None:
        lines = lines.filter(product_id__in=product_ids)
    lines.delete()
