from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from catalog.models import ProductImage
from catalog.tests.factories import CategoryFactory, ProductFactory, ProductImageFactory
from catalog.tests.image_files import BAD_UPLOADS, photo
from recommender.models import ImageEmbedding

pytestmark = pytest.mark.django_db

CARD = 'class="product-card"'


def card_names(html: str) -> list[str]:
    return re.findall(r'<div class="name">([^<]*)</div>', html)


# --- Home -----------------------------------------------------------------------------------


def test_home_lists_categories_with_counts_and_newest_products(client):
    shoes = CategoryFactory.create(name="Shoes", position=0)
    CategoryFactory.create(name="Hats", position=1)
    start = timezone.now() - timedelta(days=20)
    for day in range(14):
        ProductFactory.create(category=shoes, name=f"Shoe {day}", created_at=start + timedelta(days=day))
    ProductFactory.create(category=shoes, name="Hidden shoe", is_active=False)

    response = client.get(reverse("shop:home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<span class="tile-name">Shoes</span><small>14 products</small>' in html
    assert '<span class="tile-name">Hats</span><small>0 products</small>' in html
    assert card_names(html) == [f"Shoe {day}" for day in range(13, 1, -1)]  # newest 12


def test_home_category_tiles_show_the_newest_in_stock_products_photo(client, django_assert_num_queries):
    from catalog.selectors import category_tile_list

    shoes = CategoryFactory.create(name="Shoes", position=0)
    CategoryFactory.create(name="Hats", position=1)
    start = timezone.now() - timedelta(days=5)
    older = ProductFactory.create(category=shoes, stock=2, created_at=start)
    newest_in_stock = ProductFactory.create(category=shoes, stock=1, created_at=start + timedelta(days=1))
    sold_out = ProductFactory.create(category=shoes, stock=0, created_at=start + timedelta(days=2))
    hidden = ProductFactory.create(category=shoes, stock=5, is_active=False, created_at=start + timedelta(days=3))
    for product in (older, sold_out, hidden):
        ProductImageFactory.create(product=product)
    second = ProductImageFactory.create(product=newest_in_stock, position=1)
    first = ProductImageFactory.create(product=newest_in_stock, position=0)

    with django_assert_num_queries(1):
        tiles = category_tile_list()
        shown = [(t.category.name, t.product_count, t.image.image.name if t.image else None) for t in tiles]
    html = client.get(reverse("shop:home")).content.decode()

    assert shown == [("Shoes", 3, first.image.name), ("Hats", 0, None)]
    assert second.image.name != first.image.name
    tiles_html = html[html.index('data-testid="category-tiles"') : html.index("New arrivals")]
    assert tiles_html.count("<img ") == 1 and f'src="{first.card.url}"' in tiles_html
    assert tiles_html.count('<span class="thumb-placeholder" aria-hidden="true"></span>') == 1


def test_home_without_catalog(client):
    response = client.get(reverse("shop:home"))

    assert response.status_code == 200
    assert "No categories yet." in response.content.decode()
    assert "No products yet." in response.content.decode()


# --- Category page --------------------------------------------------------------------------


@pytest.fixture
def shoes():
    """30 active shoes priced 1.00-30.00 (newest is the cheapest), one inactive, one bag."""
    category = CategoryFactory.create(name="Shoes", slug="shoes")
    start = timezone.now() - timedelta(days=40)
    for n in range(1, 31):
        ProductFactory.create(
            category=category, name=f"Shoe {n:02d}", price=Decimal(n), created_at=start - timedelta(days=n)
        )
    ProductFactory.create(category=category, name="Hidden", price=Decimal("5.00"), is_active=False)
    ProductFactory.create(category=CategoryFactory.create(name="Bags"), name="Bag", price=Decimal("5.00"))
    return category


def test_category_page_paginates_24_newest_first(client, shoes):
    first = client.get(reverse("shop:category_detail", kwargs={"slug": "shoes"}))
    second = client.get(reverse("shop:category_detail", kwargs={"slug": "shoes"}), {"page": 2})

    assert first.status_code == second.status_code == 200
    assert card_names(first.content.decode()) == [f"Shoe {n:02d}" for n in range(1, 25)]
    assert card_names(second.content.decode()) == [f"Shoe {n:02d}" for n in range(25, 31)]
    assert "30 products" in first.content.decode()
    assert '<a aria-current="page" class="current">1</a>' in first.content.decode()
    assert '<a href="?page=2">2</a>' in first.content.decode()
    assert '<a href="?page=2" rel="next" aria-label="Next page">' in first.content.decode()
    assert '<a href="?page=1">1</a>' in second.content.decode()
    assert '<a aria-current="page" class="current">2</a>' in second.content.decode()


def test_category_page_has_breadcrumbs_and_add_to_cart_on_in_stock_cards(client, shoes):
    sold_out = ProductFactory.create(category=shoes, name="Sold-out shoe", stock=0)

    html = client.get(reverse("shop:category_detail", kwargs={"slug": "shoes"})).content.decode()

    assert '<nav aria-label="breadcrumb"><ul><li><a href="/">Home</a></li><li>Shoes</li></ul></nav>' in html
    assert html.count(CARD) == 24
    assert html.count('data-testid="card-add-to-cart"') == 23  # every card but the sold-out one
    assert f'aria-label="Add {sold_out.name} to cart"' not in html
    assert html.count(f'action="{reverse("shop:cart_add")}" class="card-add"') == 23


def test_category_card_add_to_cart_puts_the_product_in_the_cart(client, shoes):
    html = client.get(reverse("shop:category_detail", kwargs={"slug": "shoes"})).content.decode()
    product_id = int(re.findall(r'name="product_id" value="(\d+)"', html)[0])

    response = client.post(reverse("shop:cart_add"), {"product_id": product_id, "quantity": 1}, follow=True)

    assert response.redirect_chain == [(reverse("shop:cart_detail"), 302)]
    assert response.context["summary"].count == 1
    assert response.context["summary"].items[0].product.pk == product_id


def test_category_page_out_of_range_page_shows_the_last(client, shoes):
    response = client.get(reverse("shop:category_detail", kwargs={"slug": "shoes"}), {"page": 99})

    assert card_names(response.content.decode())[0] == "Shoe 25"


def test_category_page_sort_and_price_range_keep_the_query_in_page_links(client, shoes):
    response = client.get(
        reverse("shop:category_detail", kwargs={"slug": "shoes"}),
        {"sort": "price_desc", "min_price": "3", "max_price": "28.00"},
    )

    html = response.content.decode()
    assert card_names(html) == [f"Shoe {n:02d}" for n in range(28, 4, -1)]
    assert "26 products" in html
    assert 'href="?sort=price_desc&amp;min_price=3&amp;max_price=28.00&amp;page=2"' in html
    page2 = client.get(
        reverse("shop:category_detail", kwargs={"slug": "shoes"}),
        {"sort": "price_desc", "min_price": "3", "max_price": "28.00", "page": "2"},
    )
    assert card_names(page2.content.decode()) == ["Shoe 04", "Shoe 03"]


def test_category_page_price_asc(client, shoes):
    response = client.get(
        reverse("shop:category_detail", kwargs={"slug": "shoes"}), {"sort": "price_asc", "max_price": "3"}
    )

    assert card_names(response.content.decode()) == ["Shoe 01", "Shoe 02", "Shoe 03"]


def test_category_page_ignores_only_the_invalid_filters_keeping_the_category_and_says_so(client, shoes):
    response = client.get(
        reverse("shop:category_detail", kwargs={"slug": "shoes"}),
        {"sort": "popular", "min_price": "abc", "max_price": "3"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    # The shoes only (no bag), the valid max_price kept, newest first as the sort was ignored.
    assert card_names(html) == ["Shoe 01", "Shoe 02", "Shoe 03"]
    assert "3 products" in html
    assert (
        '<ul class="filter-notices" role="status" data-testid="filter-notices">'
        "<li>We ignored the sort &#x27;popular&#x27;: choose Newest, Price: low to high or Price: high to low.</li>"
        "<li>&#x27;abc&#x27; is not a price, so the minimum price was ignored.</li></ul>"
    ) in html
    # The form shows what was used: no "abc" left in the minimum price box.
    (min_box,) = re.findall(r'<input[^>]*name="min_price"[^>]*>', html)
    (max_box,) = re.findall(r'<input[^>]*name="max_price"[^>]*>', html)
    assert "value=" not in min_box
    assert 'value="3"' in max_box


def test_category_page_a_negative_price_and_an_unknown_colour_are_ignored(client, shoes):
    response = client.get(
        reverse("shop:category_detail", kwargs={"slug": "shoes"}), {"max_price": "-5", "colour": "teal"}
    )

    html = response.content.decode()
    assert html.count(CARD) == 24
    assert "30 products" in html
    assert "<li>&#x27;-5&#x27; is below zero, so the maximum price was ignored.</li>" in html
    assert "<li>We ignored the colour &#x27;teal&#x27;: choose Black, White, Grey, Navy, Blue, Red, Burgundy," in html


def test_category_page_turns_a_reversed_price_range_round_and_says_so(client, shoes):
    response = client.get(
        reverse("shop:category_detail", kwargs={"slug": "shoes"}),
        {"min_price": "5", "max_price": "2", "sort": "price_asc"},
    )

    html = response.content.decode()
    assert card_names(html) == ["Shoe 02", "Shoe 03", "Shoe 04", "Shoe 05"]
    assert (
        "<li>The minimum price ($5.00) was above the maximum ($2.00), so we swapped them: $2.00 to $5.00.</li>" in html
    )


def test_category_page_with_valid_filters_has_no_notices(client, shoes):
    response = client.get(reverse("shop:category_detail", kwargs={"slug": "shoes"}), {"sort": "price_desc"})

    assert 'data-testid="filter-notices"' not in response.content.decode()


def test_category_page_404(client):
    assert client.get(reverse("shop:category_detail", kwargs={"slug": "no-such"})).status_code == 404


# --- Product page ---------------------------------------------------------------------------


def test_product_page(client, settings):
    product = ProductFactory.create(
        name="Ankle boot FM-000000", slug="boot", sku="FM-000000", price=Decimal("1234.5"), stock=0
    )
    image = ProductImageFactory.create(product=product)

    response = client.get(reverse("shop:product_detail", kwargs={"slug": "boot"}))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Ankle boot FM-000000</h1>" in html
    assert "$1,234.50" in html
    assert "Sold out" in html
    assert "SKU FM-000000" in html
    # The photo is shown resized (a 960 px WebP made by django-imagekit from the stored photo).
    assert f'src="{image.large.url}"' in html and image.large.url.endswith(".webp")
    with Image.open(Path(settings.MEDIA_ROOT) / image.large.name) as large:
        assert (large.format, large.size) == ("WEBP", (224, 224))  # never enlarged
    # No embedding yet: say so rather than "no similar items".
    assert "still analysing this product" in html


@pytest.mark.parametrize(("stock", "shown"), [(5, "In stock</span></p>"), (2, "In stock</span> Only 2 left</p>")])
def test_product_page_tells_the_stock_only_when_a_few_are_left(client, stock, shown):
    ProductFactory.create(slug="scarf", stock=stock)
    html = client.get(reverse("shop:product_detail", kwargs={"slug": "scarf"})).content.decode()
    assert shown in html
    assert f"{stock} available" not in html


def test_product_page_names_the_seller_and_tells_shipping_and_returns(client, settings):
    from catalog.tests.factories import seller_create

    settings.SHIPPING_METHODS = [
        {"code": "standard", "name": "Standard", "price": "4.95", "min_days": 3, "max_days": 5},
        {"code": "next", "name": "Next day", "price": "19.00", "min_days": 1, "max_days": 1},
    ]
    settings.SHOP_RETURN_DAYS = 14
    seller = seller_create("ines@example.com", "Atelier Ines")
    ProductFactory.create(slug="boot", stock=3, seller=seller)
    ProductFactory.create(slug="house-boot", stock=3)
    today = timezone.localdate()

    html = client.get(reverse("shop:product_detail", kwargs={"slug": "boot"})).content.decode()
    house = client.get(reverse("shop:product_detail", kwargs={"slug": "house-boot"})).content.decode()

    assert '<p class="sold-by" data-testid="sold-by">Sold by <strong>Atelier Ines</strong></p>' in html
    assert '<p class="sold-by" data-testid="sold-by">Sold by <strong>Vitrine</strong></p>' in house
    from shop.shipping import delivery_quotes

    standard, next_day = delivery_quotes(start=today)
    assert (
        f"<li><strong>Standard</strong> $4.95 · arrives {standard.earliest:%a %-d %b} – {standard.latest:%a %-d %b}"
        " if you order today</li>" in html
    )
    assert (
        f"<li><strong>Next day</strong> $19.00 · arrives {next_day.earliest:%a %-d %b} if you order today</li>" in html
    )
    assert "Send it back within 14 days of delivery for a refund." in html


def test_product_page_gallery_thumbnails_link_inside_the_page(client):
    product = ProductFactory.create(slug="boot", stock=3)
    photos = [ProductImageFactory.create(product=product, position=n) for n in range(3)]

    html = client.get(reverse("shop:product_detail", kwargs={"slug": "boot"})).content.decode()

    for n, image in enumerate(photos, start=1):
        assert f'<img id="photo-{n}" src="{image.large.url}"' in html
        assert f'<a href="#photo-{n}"' in html
        assert f'href="{image.large.url}"' not in html and f'href="{image.image.url}"' not in html
    assert html.count('aria-current="true"') == 1
    assert "js/product_gallery.js" in html


def test_product_page_with_one_photo_has_no_thumbnails(client):
    product = ProductFactory.create(slug="boot", stock=3)
    ProductImageFactory.create(product=product)

    html = client.get(reverse("shop:product_detail", kwargs={"slug": "boot"})).content.decode()

    assert '<img id="photo-1"' in html
    assert 'data-testid="gallery-thumbs"' not in html and "js/product_gallery.js" not in html


def test_product_page_without_similar_items_when_embedded(client):
    product = ProductFactory.create(slug="lonely", stock=3)
    ProductImageFactory.create(product=product, embedding_status=ProductImage.EmbeddingStatus.EMBEDDED)

    html = client.get(reverse("shop:product_detail", kwargs={"slug": "lonely"})).content.decode()

    assert "In stock" in html
    assert "No similar items match these options." in html


def test_product_page_404_for_inactive_product(client):
    ProductFactory.create(slug="gone", is_active=False)

    assert client.get(reverse("shop:product_detail", kwargs={"slug": "gone"})).status_code == 404


@pytest.mark.slow
def test_product_page_shows_12_similar_products(client, sample_catalog):
    sneaker = sample_catalog.products[sample_catalog.rows_in("sneaker")[0]]

    response = client.get(sneaker.get_absolute_url())

    html = response.content.decode()
    similar = html[html.index('id="similar"') :]
    assert similar.count(CARD) == 12
    assert similar.count("% match</div>") == 12
    assert sneaker.name not in card_names(similar)


@pytest.mark.slow
def test_product_page_same_category_and_min_similarity(client, sample_catalog):
    sneaker = sample_catalog.products[sample_catalog.rows_in("sneaker")[0]]

    html = client.get(sneaker.get_absolute_url(), {"same_category": "1", "min_similarity": "0.5"}).content.decode()

    similar = card_names(html[html.index('id="similar"') :])
    assert 1 <= len(similar) <= 11
    assert all(name.startswith("Sneaker ") for name in similar)
    assert 'value="1" role="switch" checked' in html


@pytest.mark.slow
def test_product_page_minimum_match_changes_what_is_shown(client, sample_catalog):
    """Match scores spread over their range once trained, so the threshold removes items."""
    from recommender.services import category_classifier_train

    category_classifier_train()

    def shown(product, min_score):
        html = client.get(product.get_absolute_url(), {"min_score": min_score}).content.decode()
        section = html[html.index('id="similar"') :]
        return section, card_names(section)

    percents, removed = [], 0
    for slug in ("t-shirt-top", "shirt", "bag", "sandal"):
        product = sample_catalog.products[sample_catalog.rows_in(slug)[0]]
        section, every = shown(product, "")
        _, good = shown(product, "0.75")
        best_html, best = shown(product, "0.9")
        assert len(every) == 12 and len(every) >= len(good) >= len(best)
        assert best == every[: len(best)] and good == every[: len(good)]  # the best ones stay, in order
        assert '<option value="0.9" selected>' in best_html
        removed += len(every) - len(best)
        percents += [int(p) for p in re.findall(r">(\d+)% match</div>", section)]
    assert removed >= 6  # the threshold changes what shoppers see
    assert len(percents) == 48 and max(percents) - min(percents) >= 30  # spread, not all 88-96


# --- Find by photo --------------------------------------------------------------------------


def test_image_search_page_get(client):
    CategoryFactory.create(name="Sneaker", slug="sneaker")

    response = client.get(reverse("shop:image_search"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html
    assert '<option value="" selected>Predicted category</option>' in html
    assert '<option value="all">All categories</option>' in html
    assert '<option value="sneaker">Sneaker</option>' in html


@pytest.fixture
def stored_state(media_files):
    """One product with a stored, embedded image: what a bad upload must leave untouched."""
    image = ProductImageFactory.create()
    ImageEmbedding.objects.create(
        product_image=image, product=image.product, model_version="test", vector=[0.0] * 511 + [1.0]
    )

    def state():
        return ProductImage.objects.count(), ImageEmbedding.objects.count(), media_files()

    before = state()
    assert before[:2] == (1, 1) and len(before[2]) == 1
    return before, state


SEARCH_PNG_CAP = "The image is 8000×7500 (60.0 megapixels); the limit is 16 megapixels."


@pytest.mark.parametrize("case", sorted(set(BAD_UPLOADS) - {"empty"}))
def test_image_search_bad_upload_is_400_with_the_error_and_writes_nothing(client, stored_state, case):
    bad = BAD_UPLOADS[case]
    before, state = stored_state

    response = client.post(
        reverse("shop:image_search"), {"image": SimpleUploadedFile(bad.name, bad.content()), "category": "all"}
    )

    assert response.status_code == 400
    html = response.content.decode()
    # A PNG, decoded whole, has find by photo's lower cap (PHOTO_SEARCH_MAX_PIXELS, 16 MP).
    message = SEARCH_PNG_CAP if case == "60_megapixels" else bad.message
    assert f'<ul class="errorlist" role="alert"><li>{message}</li></ul>' in html
    assert 'aria-invalid="true"' in html
    assert CARD not in html
    assert state() == before


def test_image_search_empty_file_is_400(client, stored_state):
    before, state = stored_state

    response = client.post(reverse("shop:image_search"), {"image": SimpleUploadedFile("empty.png", b"")})

    assert response.status_code == 400
    assert "<li>The submitted file is empty.</li>" in response.content.decode()
    assert state() == before


def test_image_search_without_file_is_400(client):
    response = client.post(reverse("shop:image_search"), {"category": "all"})

    assert response.status_code == 400
    assert "<li>Choose a photo.</li>" in response.content.decode()


def test_image_search_min_price_above_max_is_400(client):
    upload = SimpleUploadedFile("a.png", photo("PNG"))

    response = client.post(reverse("shop:image_search"), {"image": upload, "min_price": "20", "max_price": "10"})

    assert response.status_code == 400
    assert "The maximum price is below the minimum." in response.content.decode()


def test_image_search_unknown_category_choice_is_400(client):
    upload = SimpleUploadedFile("a.png", photo("PNG"))

    response = client.post(reverse("shop:image_search"), {"image": upload, "category": "hats"})

    assert response.status_code == 400
    assert "Select a valid choice. hats is not one of the available choices." in response.content.decode()


def test_image_search_put_is_405(client):
    assert client.put(reverse("shop:image_search")).status_code == 405


@pytest.mark.slow
def test_image_search_predicts_the_category_and_lists_its_products(
    client, sample_catalog, fashion_mnist_sample, media_files
):
    from recommender.services import category_classifier_train

    category_classifier_train()
    files_before = media_files()

    # Test image 0 of Fashion-MNIST: an ankle boot the catalog has never seen.
    response = client.post(
        reverse("shop:image_search"), {"image": SimpleUploadedFile("query.png", fashion_mnist_sample.png("test", 0))}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Looks like <strong>Ankle boot</strong>" in html
    # Sure: that category alone; unsure: it and the next ones, and the page says so.
    assert "Showing Ankle boot." in html or ("not sure, so showing" in html and "Showing Ankle boot and " in html)
    names = card_names(html)
    searched = 1 if "Showing Ankle boot." in html else 2  # the sample has 12 products per category
    assert len(names) == 12 * searched  # every product of the categories searched
    assert names[0].startswith("Ankle boot FM-")
    assert sum(name.startswith("Ankle boot FM-") for name in names) == 12  # every ankle boot in the catalog
    assert f"<h2>{12 * searched} matching products</h2>" in html
    assert html.count("% match</div>") == 12 * searched
    # The query photo is not stored; the only new files are the result cards' thumbnails.
    new_files = sorted(set(media_files()) - set(files_before))
    assert len(new_files) == 12 * searched and all(f.startswith("CACHE/images/products/") for f in new_files)
    assert ProductImage.objects.count() == 120


@pytest.mark.slow
def test_image_search_all_categories_sorted_by_price(client, sample_catalog, fashion_mnist_sample):
    upload = SimpleUploadedFile("query.png", fashion_mnist_sample.png("test", 0))

    response = client.post(
        reverse("shop:image_search"), {"image": upload, "category": "all", "sort": "price_asc", "max_price": "60"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Showing all categories." in html
    prices = [Decimal(p.replace("$", "")) for p in re.findall(r'<span class="price">([^<]*)</span>', html)]
    assert len(prices) == 24
    assert prices == sorted(prices)
    assert max(prices) <= Decimal("60")


@pytest.mark.slow
def test_image_search_names_the_product_it_shows_from_outside_the_guessed_category(
    client, sample_catalog, fashion_mnist_sample, monkeypatch
):
    """A shopper photographs a bag the shop sells; the classifier guesses "Sandal". The bag is
    still shown (it matches the photo very closely) and the page says why."""
    from recommender import services
    from recommender.selectors import CategoryPrediction

    row = sample_catalog.rows_in("bag")[0]
    bag = sample_catalog.products[row]
    guess = [CategoryPrediction(sample_catalog.categories["sandal"], 0.97)]
    monkeypatch.setattr(services, "category_predictions", lambda vector: guess)
    upload = SimpleUploadedFile("bag.png", fashion_mnist_sample.png("train", row))

    html = client.post(reverse("shop:image_search"), {"image": upload}).content.decode()

    assert "Looks like <strong>Sandal</strong> (97% sure)." in html
    assert (
        f'<p class="close-match" data-testid="close-match">Also showing <strong>{bag.name}</strong> (Bag): '
        "it matches your photo very closely.</p>"
    ) in html
    assert card_names(html)[0] == bag.name


def test_image_search_bad_box_is_400_with_the_error(client, stored_state):
    before, state = stored_state
    upload = SimpleUploadedFile("a.png", photo("PNG"))

    response = client.post(reverse("shop:image_search"), {"image": upload, "box": "0.9,0.1,0.2,0.8"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "<li>The box must have x0 &lt; x1 and y0 &lt; y1 (at least 1 % of the photo each way).</li>" in html
    assert CARD not in html
    assert state() == before


def test_image_search_expired_query_is_400_and_asks_for_the_photo(client):
    response = client.post(reverse("shop:image_search"), {"query_id": "0" * 32, "category": "all"})

    assert response.status_code == 400
    assert "<li>This photo search has expired; please choose the photo again.</li>" in response.content.decode()


def test_image_search_page_has_the_cropper_drop_zone_and_camera(client):
    html = client.get(reverse("shop:image_search")).content.decode()

    assert '<script src="/static/vendor/cropperjs/cropper.min.js"></script>' in html
    assert '<link rel="stylesheet" href="/static/vendor/cropperjs/cropper.min.css">' in html
    assert 'data-testid="photo-dropzone"' in html
    assert 'capture="environment"' in html
    assert 'data-api-url="/api/search/image/"' in html  # the public URL itself
    assert 'data-query-url="/api/search/image/QUERY_ID/"' in html
    # Without JavaScript the page is a plain form: a photo, the options and a search button.
    assert '<input type="hidden" name="box" value="">' in html
    assert '<input type="hidden" name="query_id" value="">' in html
    assert '<button type="submit" data-testid="search-button">Search</button>' in html


@pytest.mark.slow
def test_image_search_without_javascript_refines_with_the_query_id(
    client, sample_catalog, fashion_mnist_sample, monkeypatch
):
    """The plain form: a first post with the photo; the results page carries the query id, so
    changing the options and posting again (the browser sends no photo) searches the same
    vector without embedding again."""
    from recommender import embedder, services
    from recommender.services import category_classifier_train

    category_classifier_train()
    upload = SimpleUploadedFile("query.png", fashion_mnist_sample.png("test", 0))
    first = client.post(reverse("shop:image_search"), {"image": upload}).content.decode()
    found = re.search(r'<input type="hidden" name="query_id" value="([0-9a-f]{32})">', first)
    assert found is not None, "the results page remembers no query_id"
    query_id = found.group(1)

    def refuse(*args, **kwargs):
        raise AssertionError("no photo was sent: nothing may be embedded")

    monkeypatch.setattr(services, "query_image_embed", refuse)
    monkeypatch.setattr(embedder, "embed_photos", refuse)
    response = client.post(
        reverse("shop:image_search"),
        {"query_id": query_id, "category": "sandal", "sort": "price_desc", "max_price": "90"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Looks like <strong>Ankle boot</strong>" in html
    assert "Showing Sandal." in html
    names = card_names(html)
    assert len(names) == 12 and all(name.startswith("Sandal FM-") for name in names)
    prices = [Decimal(p.replace("$", "")) for p in re.findall(r'<span class="price">([^<]*)</span>', html)]
    assert prices == sorted(prices, reverse=True) and max(prices) <= Decimal("90")
    assert f'<input type="hidden" name="query_id" value="{query_id}">' in html
