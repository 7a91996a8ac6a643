"""Writes to carts. Quantities are bounded by stock and CART_MAX_LINE_QUANTITY."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import User
from catalog.exceptions import InsufficientStock
from catalog.models import Product, ProductVariant, sellable_q
from core.exceptions import ShopError
from core.limits import cart_line_quantity_max

from .models import Cart, CartLine


class InvalidQuantity(ShopError):
    """A quantity that is not a whole number between 1 and the per-line maximum."""


class ProductUnavailable(ShopError):
    """The product (or the size asked for) does not exist or is no longer sold."""


class SizeRequired(ShopError):
    """A product sold in several sizes was added without saying which (400)."""


_ADD_REFUSAL = "Quantity must be a whole number of at least 1."


def _quantity_requested_check(quantity: object, *, adding: bool) -> int:
    """The quantity a shopper asked for: a whole number (not a bool) of at least 1. Checked
    once per request; ``_line_quantity_check`` then checks the line's resulting quantity."""
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise InvalidQuantity(_ADD_REFUSAL if adding else "Quantity must be a whole number.")
    if quantity < 1:
        raise InvalidQuantity(_ADD_REFUSAL if adding else "Quantity must be at least 1.")
    return quantity


def _line_quantity_check(*, variant: ProductVariant, quantity: int) -> None:
    """A line's quantity (a whole number of at least 1) against the per-line cap and the size's stock."""
    limit = cart_line_quantity_max()
    if quantity > limit:
        raise InvalidQuantity(f"You can buy at most {limit} of one product per order.")
    name = str(variant)  # "Trainers (EU 42)", or the product's name for one size
    if variant.stock == 0:
        raise InsufficientStock(f"Sorry, {name} is sold out.", product_names=[name])
    if quantity > variant.stock:
        raise InsufficientStock(f"Only {variant.stock} of {name} left in stock.", product_names=[name])


def _variant_for_cart(*, product_id: int, variant_id: int | None, size: str | None) -> ProductVariant:
    """The size of an active product a shopper asked for: by ``variant_id`` (which must be one
    of the product's), by ``size`` (as stored, e.g. "EU 42"), or the product's only variant.
    Raises ``ProductUnavailable`` or ``SizeRequired``."""
    product = Product.objects.filter(sellable_q(), pk=product_id).first()
    if product is None:
        raise ProductUnavailable("This product is not available.")
    variants = list(ProductVariant.objects.filter(product=product))
    for variant in variants:
        variant.product = product
    if variant_id is not None:
        found = [v for v in variants if v.pk == variant_id]
    elif size is not None and size != "":
        found = [v for v in variants if v.size == size]
    elif len(variants) == 1:
        found = variants
    else:
        raise SizeRequired(f"Choose a size of {product.name}.")
    if not found:
        raise ProductUnavailable(f"This size of {product.name} is not available.")
    return found[0]


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
def cart_add_product(
    *,
    cart: Cart,
    product_id: int,
    quantity: int = 1,
    variant_id: int | None = None,
    size: str | None = None,
) -> CartLine:
    """Add ``quantity`` units of one size of a product (to what the cart already holds of that
    size). The size is ``variant_id`` or ``size`` (e.g. "EU 42"); a product with one variant
    needs neither. Raises ``InvalidQuantity``, ``InsufficientStock`` (of that size),
    ``SizeRequired`` or ``ProductUnavailable``; the cart is unchanged then."""
    Cart.objects.select_for_update().filter(pk=cart.pk).first()  # one writer per cart at a time
    variant = _variant_for_cart(product_id=product_id, variant_id=variant_id, size=size)
    quantity = _quantity_requested_check(quantity, adding=True)
    line = CartLine.objects.filter(cart=cart, variant=variant).first()
    new_quantity = quantity + (line.quantity if line else 0)
    _line_quantity_check(variant=variant, quantity=new_quantity)
    if line is None:
        line = CartLine(cart=cart, product=variant.product, variant=variant, quantity=new_quantity)
    line.quantity = new_quantity
    line.full_clean(validate_unique=False)
    line.save()
    line.variant = variant
    cart.save(update_fields=["updated_at"])
    return line


def _cart_line_find(*, cart: Cart, product_id: int | None, variant_id: int | None) -> CartLine:
    """The cart's line for ``variant_id``, or for ``product_id`` when the cart holds one size of
    it. Raises ``ProductUnavailable`` (not in the cart) or ``SizeRequired`` (several sizes)."""
    lines = CartLine.objects.filter(cart=cart).select_related("variant", "variant__product")
    if variant_id is not None:
        lines = lines.filter(variant_id=variant_id)
    if product_id is not None:
        lines = lines.filter(product_id=product_id)
    found = list(lines[:2])
    if not found or (product_id is None and variant_id is None):
        raise ProductUnavailable("This product is not in your cart.")
    if len(found) > 1:
        raise SizeRequired(f"Your cart holds several sizes of {found[0].variant.product.name}: say which.")
    return found[0]


@transaction.atomic
def cart_line_set_quantity(
    *, cart: Cart, quantity: int, product_id: int | None = None, variant_id: int | None = None
) -> CartLine | None:
    """Set a line's quantity; 0 removes the line (returns None). The line is ``variant_id``'s,
    or ``product_id``'s when the cart holds one size of it. Raises ``InvalidQuantity``,
    ``InsufficientStock``, ``SizeRequired`` or ``ProductUnavailable`` (for a line not in the cart)."""
    Cart.objects.select_for_update().filter(pk=cart.pk).first()
    line = _cart_line_find(cart=cart, product_id=product_id, variant_id=variant_id)
    if quantity == 0 and not isinstance(quantity, bool):
        line.delete()
        return None
    quantity = _quantity_requested_check(quantity, adding=False)
    _line_quantity_check(variant=line.variant, quantity=quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    cart.save(update_fields=["updated_at"])
    return line


@transaction.atomic
def cart_line_remove(*, cart: Cart, product_id: int | None = None, variant_id: int | None = None) -> None:
    """Remove one size from the cart (``variant_id``), or every size of ``product_id`` when no
    size is given; nothing happens when it is not there."""
    if product_id is None and variant_id is None:
        return
    lines = CartLine.objects.filter(cart=cart)
    if variant_id is not None:
        lines = lines.filter(variant_id=variant_id)
    if product_id is not None:
        lines = lines.filter(product_id=product_id)
    lines.delete()


@transaction.atomic
def cart_merge(*, source: Cart, target: Cart) -> Cart:
    """Move a guest cart's lines into a shopper's cart at login, then delete the guest cart.
    Quantities of a size in both carts add up, capped by that size's stock and the per-line maximum."""
    if source.pk == target.pk:
        return target
    # Both carts, in id order (list(): ``.first()`` would add LIMIT 1 and lock only one of them).
    list(Cart.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk"))
    existing = {line.variant_id: line for line in target.lines.all()}
    for line in source.lines.select_related("product", "product__seller", "variant"):
        product, variant = line.product, line.variant
        cap = min(variant.stock, cart_line_quantity_max())
        if not product.is_sellable or cap < 1:
            continue
        if line.variant_id in existing:
            kept = existing[line.variant_id]
            kept.quantity = min(kept.quantity + line.quantity, cap)
            kept.save(update_fields=["quantity"])
        else:
            CartLine.objects.create(cart=target, product=product, variant=variant, quantity=min(line.quantity, cap))
    source.delete()
    return target


@transaction.atomic
def cart_clear(*, cart_id: int | None, variant_ids: list[int] | None = None) -> None:
    """Empty a cart (or drop just the sizes ``variant_ids``): after an order from it is paid."""
    if cart_id is None:
        return
    lines = CartLine.objects.filter(cart_id=cart_id)
    if variant_ids is not None:
        lines = lines.filter(variant_id__in=variant_ids)
    lines.delete()


def carts_purge_stale(*, now: datetime | None = None) -> int:
    """Delete guests' carts nobody has touched for ``CART_GUEST_MAX_AGE_DAYS`` (neither the cart
    nor a line of it changed since), with their lines; a registered shopper's cart is kept.
    Returns how many carts were deleted. Safe to run twice (the beat task runs it daily)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.CART_GUEST_MAX_AGE_DAYS)
    stale = (
        Cart.objects.filter(user__isnull=True, updated_at__lt=cutoff)
        .annotate(last_added=Max("lines__added_at"))
        .filter(Q(last_added__isnull=True) | Q(last_added__lt=cutoff))
    )
    deleted, by_model = Cart.objects.filter(pk__in=stale.values("pk")).delete()
    return by_model.get(Cart._meta.label, 0)
