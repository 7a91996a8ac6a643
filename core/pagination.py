"""Which page numbers a paginated list links to (the category pages, search results, order history)."""

from __future__ import annotations


def page_window(*, page: int, num_pages: int, radius: int = 2) -> list[int | None]:
    """Page numbers to link: the first, the last and ``radius`` either side of ``page``, with
    ``None`` where numbers are skipped (``[1, None, 4, 5, 6, 7, 8, None, 20]``); ``[]`` when there
    is one page or none."""
    if num_pages <= 1:
        return []
    shown = sorted({1, num_pages, *range(max(1, page - radius), min(num_pages, page + radius) + 1)})
    window: list[int | None] = []
    for number in shown:
        if window and number - (window[-1] or 0) > 1:
            window.append(None)
        window.append(number)
    return window
