"""Find by photo with words: "this, but in brown".

A shopper's photo finds products that look like it (``recommender.services.image_search``: the
predicted category, then the nearest embeddings); words typed with it refine that answer:

1. **Colour words are a filter.** A word or phrase that names a shop colour (a palette name or a
   synonym from the synonyms file: "brown", "gray", "maroon" …; ``search.query.query_parse``), or
   the explicit ``colour`` option, keeps only products of that colour (``Product.colour``, named
   by the embedding worker). The vector search itself is filtered, so the photo's nearest
   products *of that colour* are found, not the few that happen to be among its nearest overall.
   Several different colours named ("red or blue") filter nothing; they still rank through the
   words.
2. **Other words re-rank the photo's matches** by weighted reciprocal rank fusion with the text
   ranking of the same words (``search.selectors.product_search``)::

       score = SEARCH_FUSION_PHOTO_WEIGHT / (SEARCH_FUSION_K + photo_rank)
             + SEARCH_FUSION_TEXT_WEIGHT / (SEARCH_FUSION_K + text_rank)

   ranks from 1, equal text scores sharing a rank; a product outside the text ranking's first
   ``PHOTO_WORDS_TEXT_DEPTH`` gets no text term. Only the photo's matches are ranked
   (``PHOTO_WORDS_CANDIDATES`` of them): words refine what the photo found, they do not bring in
   products that look nothing like it.
3. The requested ``sort`` (newest, price) then orders the fused list, as find by photo does.

``score`` and ``similarity`` of each result stay the photo's (cosine similarity and calibrated
match score), so the page and the API show what they always showed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from recommender.selectors import SimilarProduct, similar_products_sort
from recommender.services import ImageSearchResult, image_search_by_vector, query_vector_recall

from .query import query_parse
from .selectors import SearchFilters, product_search

#: how many of the photo's nearest products words may re-rank.
PHOTO_WORDS_CANDIDATES = 100
#: how many of a photo's nearest products a text search with that photo fuses with its words.
PHOTO_RANKING_DEPTH = 200
#: how deep the text ranking is read for the fusion.
PHOTO_WORDS_TEXT_DEPTH = 100


@dataclass(frozen=True)
class PhotoWords:
    """What the words sent with a photo mean: ``colour`` to filter by (a palette name, or None)
    and ``words``, the rest of the query, to re-rank by ("" when there is nothing left)."""

    colour: str | None
    words: str


def photo_words_parse(*, q: str, colour: str | None = None) -> PhotoWords:
    """Split the words sent with a photo into a colour filter and words to rank by. An explicit
    ``colour`` (a palette name) wins over colour words in ``q``."""
    parsed = query_parse(q[: settings.SEARCH_MAX_QUERY_LENGTH])
    colours = parsed.colours
    words = " ".join(c.source for c in parsed.concepts if not c.colours)
    named = next(iter(colours)) if len(colours) == 1 else None
    return PhotoWords(colour=colour or named, words=words)


def photo_words_fuse(*, results: list[SimilarProduct], words: str, colour: str | None) -> list[SimilarProduct]:
    """``results`` (the photo's matches, best first) re-ranked by weighted reciprocal rank fusion
    with the text ranking of ``words`` among products of ``colour`` (see the module docstring);
    unchanged when ``words`` is empty or matches none of them. Stable for equal scores."""
    if not words.strip() or not results:
        return results
    text = product_search(query=words, filters=SearchFilters(colour=colour), page_size=PHOTO_WORDS_TEXT_DEPTH)
    # Equal text scores share a rank (competition ranking, "1224"): when every match has the words
    # alike ("boots" with a photo of boots), the text ranking's tie-break (newest first) must not
    # reorder what the photo found.
    text_rank: dict[int, int] = {}
    for position, hit in enumerate(text.hits, start=1):
        previous = text.hits[position - 2] if position > 1 else None
        text_rank[hit.product.pk] = (
            text_rank[previous.product.pk] if previous is not None and previous.score == hit.score else position
        )
    if not text_rank.keys() & {r.product.pk for r in results}:
        return results
    k = settings.SEARCH_FUSION_K
    w_photo, w_text = settings.SEARCH_FUSION_PHOTO_WEIGHT, settings.SEARCH_FUSION_TEXT_WEIGHT

    def score(item: tuple[int, SimilarProduct]) -> float:
        photo_rank, result = item
        fused = w_photo / (k + photo_rank)
        if result.product.pk in text_rank:
            fused += w_text / (k + text_rank[result.product.pk])
        return fused

    ranked = sorted(enumerate(results, start=1), key=lambda item: (-score(item), item[0]))
    return [result for _, result in ranked]


def image_search_with_words(
    *,
    search: Callable[..., ImageSearchResult],
    q: str = "",
    colour: str | None = None,
    sort: str = "similarity",
    limit: int | None = None,
) -> ImageSearchResult:
    """Run a find-by-photo ``search`` (``image_search``, ``image_search_by_query`` or
    ``image_search_by_vector`` with its photo, query id or vector bound, e.g. by
    ``functools.partial``; it is called with ``colour``, ``sort`` and ``limit``) refined by the
    words ``q`` and the palette ``colour`` (see the module docstring). Returns the search's
    answer with its ``results`` filtered, fused, sorted and cut to ``limit`` (default
    ``SEARCH_RESULTS_DEFAULT_LIMIT``). Raises what ``search`` raises."""
    limit = limit or settings.SEARCH_RESULTS_DEFAULT_LIMIT
    meaning = photo_words_parse(q=q, colour=colour)
    if not meaning.words:
        return search(colour=meaning.colour, sort=sort, limit=limit)
    result = search(colour=meaning.colour, sort="similarity", limit=max(limit, PHOTO_WORDS_CANDIDATES))
    fused = photo_words_fuse(results=result.results, words=meaning.words, colour=meaning.colour)
    result.results = similar_products_sort(fused, sort=sort)[:limit]
    if result.close_match is not None and result.close_match not in result.results:
        result.close_match = None
    return result


def photo_ranking(*, query_id: str) -> list[int]:
    """Product ids ranked by the photo of an earlier find by photo (its remembered vector, no CNN):
    its best ``PHOTO_RANKING_DEPTH`` in the categories find by photo searches, a close match first.
    For a text search with a photo (``product_search(photo_ranking=...)``). Raises
    ``QueryExpired`` for an unknown or expired ``query_id``."""
    query = query_vector_recall(query_id=query_id)
    result = image_search_by_vector(vector=query.vector, limit=PHOTO_RANKING_DEPTH)
    return [r.product.pk for r in result.results]
