from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms

from catalog.colours import COLOUR_NAMES, colour_name_normalise
from catalog.filters import filter_ignored_sentence

from .selectors import SearchFilters, SearchSort

#: the highest page number the results page asks for (a longer list is refined, not paged through)
PAGE_MAX = 1000

SORT_CHOICES = [
    (SearchSort.RELEVANCE.value, "Best match"),
    (SearchSort.NEWEST.value, "Newest"),
    (SearchSort.PRICE_ASC.value, "Price: low to high"),
    (SearchSort.PRICE_DESC.value, "Price: high to low"),
]


@dataclass(frozen=True)
class SearchParams:
    query: str
    filters: SearchFilters
    sort: SearchSort
    page: int


class QueryField(forms.CharField):
    """The typed words, searched as typed whatever their length or characters; only NUL goes
    (no database stores it in text, and Django's CharField would reject the whole value)."""

    def to_python(self, value: object) -> str:
        return str(super().to_python(value)).replace("\x00", "").strip()


class SearchForm(forms.Form):
    """The results page's query string. Every field is optional, and an invalid one is left out
    of the search (its error is shown) rather than failing the page: a shopper's or a crawler's
    odd link still gets results."""

    q = QueryField(required=False)
    category = forms.SlugField(required=False, max_length=100)
    colour = forms.CharField(required=False, max_length=40)
    min_price = forms.DecimalField(required=False, min_value=Decimal("0"), max_digits=12, decimal_places=2)
    max_price = forms.DecimalField(required=False, min_value=Decimal("0"), max_digits=12, decimal_places=2)
    in_stock = forms.BooleanField(required=False)
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)
    page = forms.IntegerField(required=False, min_value=1)

    def clean_colour(self) -> str:
        raw = self.cleaned_data.get("colour") or ""
        if not raw:
            return ""
        name = colour_name_normalise(raw)
        if name is None:
            raise forms.ValidationError(f"Choose one of the shop's colours: {', '.join(COLOUR_NAMES)}.")
        return name

    def clean_page(self) -> int:
        return min(self.cleaned_data.get("page") or 1, PAGE_MAX)

    def ignored_notices(self) -> list[str]:
        """One plain sentence per parameter left out of the search (call after ``is_valid()``),
        in the form's field order: "'abc' is not a price, so the minimum price was ignored."."""
        errors = self.errors.as_data()
        sort_labels = [label for _, label in SORT_CHOICES]
        return [
            filter_ignored_sentence(
                name=name,
                raw=str(self.data.get(name, "")),
                codes={e.code or "" for e in errors[name]},
                sort_labels=sort_labels,
            )
            for name in self.fields
            if name in errors
        ]

    def search_params(self) -> SearchParams:
        """The valid part of the query string as the selector's arguments (call after
        ``is_valid()``; invalid fields count as absent). A price range given the wrong way round
        is turned round."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        min_price, max_price = data.get("min_price"), data.get("max_price")
        if min_price is not None and max_price is not None and min_price > max_price:
            min_price, max_price = max_price, min_price
        filters = SearchFilters(
            category=data.get("category") or None,
            colour=data.get("colour") or None,
            min_price=min_price,
            max_price=max_price,
            in_stock=True if data.get("in_stock") else None,
        )
        return SearchParams(
            query=data.get("q") or "",
            filters=filters,
            sort=SearchSort(data.get("sort") or SearchSort.RELEVANCE),
            page=data.get("page") or 1,
        )
