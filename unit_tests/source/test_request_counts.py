"""Requests per stream: counted for the stream being read, on worker threads too, retries included."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from source_crisp.request_counts import StreamRequests
from testing.source_builders import WEBSITE_ID, client, envelope, url

PATH = f"website/{WEBSITE_ID}/settings"


def test_each_request_counts_for_the_stream_being_read_and_none_outside_a_read(requests_mock):
    ok = {"json": envelope({})}
    requests_mock.get(url("settings"), [ok, {"status_code": 503}, ok])
    crisp, counts = client(), StreamRequests()
    crisp.get(PATH)  # discover or check: no stream
    with counts.reading("website"):
        crisp.get(PATH)  # a retry costs a request too
    with counts.reading("teams"):
        crisp.get(PATH)
    crisp.get(PATH)
    assert (counts.of("website"), counts.of("teams")) == (2, 1)


def test_requests_sent_on_worker_threads_count_for_the_stream_that_launched_them(requests_mock):
    requests_mock.get(url("settings"), json=envelope({}))
    crisp, counts = client(), StreamRequests()
    with ThreadPoolExecutor(max_workers=4) as pool:  # a pool that passes nothing along to its threads
        with counts.reading("people_data"):
            list(pool.map(lambda _n: crisp.get(PATH), range(40)))
        with counts.reading("conversation_messages"):
            list(pool.map(lambda _n: crisp.get(PATH), range(7)))
        list(pool.map(lambda _n: crisp.get(PATH), range(3)))  # no stream being read
    assert (counts.of("people_data"), counts.of("conversation_messages")) == (40, 7)
