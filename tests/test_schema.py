"""The helpers every layer shares: one item text, one id rule."""

from __future__ import annotations

import pytest

from matchmaker.schema import item_text, next_id


@pytest.mark.parametrize(
    ("taken", "prefix", "expected"),
    [
        (set(), "D", "D0001"),  # an empty table starts at four digits
        ({"D001", "D070"}, "D", "D071"),  # the demo's three digits are kept
        ({"D1"}, "D", "D2"),
        ({"D0091", "D0009"}, "D", "D0092"),  # after the largest, not after the count
        ({"X1", "X2", "DX"}, "D", "D0001"),  # other shapes are ignored
        ({"EV2507", "EV2501"}, "EV", "EV2508"),
        ({"D999"}, "D", "D1000"),
    ],
)
def test_next_id(taken, prefix, expected):
    assert next_id(taken, prefix) == expected


def test_item_text_from_a_store_row_and_from_a_file_row_is_the_same():
    stored = {"title": "Ball screw", "description": "C3", "keywords": ("cnc", "linear")}
    from_file = {"title": "Ball screw", "description": "C3", "keywords": "cnc;linear"}
    assert item_text(stored) == item_text(from_file) == "Ball screw. C3. cnc linear"


def test_item_text_skips_empty_parts():
    assert item_text({"title": "Servo", "description": None, "keywords": ()}) == "Servo"
