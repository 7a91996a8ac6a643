from __future__ import annotations

import uuid

from orders.services import ShippingAddress, order_place
from shop.services import cart_add_product, cart_get_or_create

ADDRESS = ShippingAddress(
    full_name="Ada Lovelace",
    address_line1="12 St James's Square",
    city="London",
    postcode="SW1Y 4JH",
    country="GB",
    phone="+44 20 7946 0000",
)


def order_placed(
    *, products, quantities=None, user=None, email="ada@example.com", shipping_method="standard", today=None
):  # type: ignore[no-untyped-def]
    """An order placed through the real services: a cart holding ``products`` (× ``quantities``)."""
    cart = cart_get_or_create(user=user)
    for i, product in enumerate(products):
        cart_add_product(cart=cart, product_id=product.pk, quantity=(quantities or [1] * len(products))[i])
    return order_place(
        cart=cart,
        user=user,
        email=email,
        address=ADDRESS,
        shipping_method=shipping_method,
        checkout_token=uuid.uuid4(),
        today=today,
    )
