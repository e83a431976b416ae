"""A state's page positions follow a page size change; its cursor values are kept (state_origin.py)."""

from __future__ import annotations

import logging

from source_crisp.state_origin import READ_FROM, StateOrigin

SITE = "1e0a7f3c-6b2d-4b8e-a1d4-2c9f8e7b6a51"


def test_a_page_size_change_restarts_the_scan_and_scales_the_slice_keeping_the_cursor_values():
    saved = StateOrigin(SITE, "updated_at", "newer_than", 50).stamp(
        {"updated_at": 900, "resume_page": 4, "scan_high": 950, "slice_page": 3, "list_pages": 7}
    )
    now = StateOrigin(SITE, "updated_at", "newer_than", 20)
    applied = now.applicable("teams", saved, logging.getLogger("test"))
    # Page 3 of 50 starts at item 101: page 6 of 20 (items 101-120); 7 pages of 50 = 350 items = 18 of 20.
    assert applied == {"updated_at": 900, "slice_page": 6, "list_pages": 18}


def test_the_same_origin_gives_the_state_back_and_the_website_is_compared_without_case():
    state = {"updated_at": 900, "resume_page": 4}
    saved = StateOrigin(SITE.upper(), "updated_at", "newer_than", 50).stamp(state)
    assert READ_FROM in saved
    assert (
        StateOrigin(SITE, "updated_at", "newer_than", 50).applicable("teams", saved, logging.getLogger())
        == state
    )
