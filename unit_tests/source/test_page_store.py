"""The sync-wide page store: pages back as stored, beyond what memory holds, in a file nobody can find."""

from __future__ import annotations

import os
import stat
import tempfile

from source_crisp.page_store import ABSENT, PageStore


def page(number: int) -> list[dict]:
    return [{"session_id": f"s{number}-{i}", "meta": {"nickname": "Zoë ☕"}} for i in range(3)]


def test_pages_past_the_memory_bound_come_back_from_the_file_as_stored():
    store = PageStore(in_memory=2)
    keys = [PageStore.key(f"website/w/conversations/{n}", {"per_page": 50}) for n in range(10)]
    for number, key in enumerate(keys):
        store.put(key, page(number))
    assert [store.get(key) for key in keys] == [page(n) for n in range(10)]
    assert store.get(PageStore.key("website/w/conversations/11", {"per_page": 50})) is None


def test_the_query_is_part_of_the_key_in_any_order():
    assert PageStore.key("p/1", {"a": 1, "b": "2"}) == PageStore.key("p/1", {"b": 2, "a": "1"})
    assert PageStore.key("p/1", {"order_date_created": 1}) != PageStore.key("p/1", {"order_date_updated": 1})
    assert PageStore.key("p/1", {}) == PageStore.key("p/1", None)


def test_a_re_read_page_replaces_the_stored_one_and_absent_lists_are_kept():
    store = PageStore(in_memory=1)
    first, second = PageStore.key("p/1", None), PageStore.key("p/2", None)
    store.put(first, page(1))
    store.put(first, page(2))
    store.put(second, ABSENT)
    store.put(PageStore.key("p/3", None), [])  # pushes the others out of memory
    assert store.get(first) == page(2)
    assert store.get(second) is ABSENT


def test_the_spill_file_has_no_name_is_private_and_goes_away_on_close():
    store = PageStore(in_memory=1)
    store.put(PageStore.key("p/1", None), page(1))
    store.put(PageStore.key("p/2", None), page(2))
    named = [name for name in os.listdir(tempfile.gettempdir()) if name.startswith("source-crisp-pages")]
    assert named == []  # unlinked at creation: a killed sync leaves nothing behind
    assert os.readlink(f"/proc/self/fd/{store._file.fileno()}").startswith(tempfile.gettempdir())
    mode = os.fstat(store._file.fileno()).st_mode
    assert stat.S_IMODE(mode) == 0o600
    store.close()
    assert store.get(PageStore.key("p/1", None)) is None
