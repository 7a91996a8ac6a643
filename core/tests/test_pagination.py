from __future__ import annotations

import pytest

from core.pagination import page_window


@pytest.mark.parametrize(
    ("page", "num_pages", "expected"),
    [
        (1, 0, []),
        (1, 1, []),
        (1, 2, [1, 2]),
        (1, 9, [1, 2, 3, None, 9]),
        (5, 9, [1, None, 3, 4, 5, 6, 7, None, 9]),
        (3, 5, [1, 2, 3, 4, 5]),
        (6, 20, [1, None, 4, 5, 6, 7, 8, None, 20]),
        (20, 20, [1, None, 18, 19, 20]),
    ],
)
def test_page_window_links_the_ends_and_two_either_side(page, num_pages, expected):
    assert page_window(page=page, num_pages=num_pages) == expected
