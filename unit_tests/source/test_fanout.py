"""The concurrent fan-out (fanout.py), the shared pacing (pacing.py) and the thread-safe client under it.

Concurrency is shown with events (a work item that can only finish once a later one ran), never with timing.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_crisp.client import RequestBudget, SyncBudgetSpent
from source_crisp.config import CrispConfig
from source_crisp.discovery import growing_batches
from source_crisp.fanout import FanOut
from source_crisp.pacing import RECOVERY_RUN, Pacing
from testing.source_builders import client, config, envelope, url

WAIT = 10.0  # seconds an event may take before the test fails (never reached when the code is right)


def pool_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("crisp-fanout")]


class InFlight:
    """Counts work items running at once."""

    def __init__(self) -> None:
        self.now = self.peak = 0
        self._lock = threading.Lock()

    def __enter__(self) -> None:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self.now -= 1


def test_answers_come_in_batch_order_although_later_ones_finish_first():
    last_ran = threading.Event()

    def work(parent: int) -> int:
        if parent == 0:  # the first answer can only complete after the last parent ran: they overlap
            assert last_ran.wait(WAIT)
        if parent == 4:
            last_ran.set()
        return parent * 10

    fan_out = FanOut(5)
    assert list(fan_out.map(work, [0, 1, 2, 3, 4])) == [0, 10, 20, 30, 40]
    fan_out.close()
    assert not pool_threads()


def test_one_thread_runs_the_batch_in_order_in_the_calling_thread():
    seen: list[tuple[int, str]] = []

    def work(parent: int) -> int:
        seen.append((parent, threading.current_thread().name))
        return parent

    assert list(FanOut(1).map(work, [1, 2])) == [1, 2]
    assert seen == [(1, threading.current_thread().name), (2, threading.current_thread().name)]
    assert not pool_threads()


def test_an_exception_is_raised_at_its_place_and_the_rest_is_cancelled_without_leaking():
    started: list[int] = []
    in_flight = InFlight()

    def work(parent: int) -> int:
        with in_flight:
            started.append(parent)
            if parent == 2:
                raise ValueError("parent 2 failed")
            return parent

    fan_out = FanOut(2)
    answers = fan_out.map(work, list(range(40)))
    assert [next(answers), next(answers)] == [0, 1]
    with pytest.raises(ValueError, match="parent 2 failed"):
        next(answers)
    assert in_flight.now == 0  # nothing still running once the error surfaced
    assert len(started) < 40  # what was not started yet never starts
    fan_out.close()
    assert not pool_threads()


def test_a_consumer_that_stops_early_cancels_and_drains_the_batch():
    in_flight = InFlight()

    def work(parent: int) -> int:
        with in_flight:
            return parent

    fan_out = FanOut(4)
    answers = fan_out.map(work, list(range(50)))
    assert next(answers) == 0
    answers.close()
    assert in_flight.now == 0
    fan_out.close()


def test_in_flight_follows_the_pacing_limit():
    pacing = Pacing(8, clock=lambda: 0.0)
    in_flight = InFlight()
    meeting = threading.Barrier(8, timeout=WAIT)  # passes only once 8 items run at once

    def work(parent: int) -> int:
        with in_flight:
            meeting.wait()
            return parent

    fan_out = FanOut(pacing=pacing)
    assert list(fan_out.map(work, list(range(16)))) == list(range(16))
    assert in_flight.peak == 8
    pacing.rate_limited(1.0)  # halves: 4
    in_flight.peak = 0
    meeting = threading.Barrier(4, timeout=WAIT)
    assert list(fan_out.map(work, list(range(16)))) == list(range(16))
    assert in_flight.peak == 4
    fan_out.close()


def test_a_work_item_that_fans_out_again_runs_its_batch_inline():
    fan_out = FanOut(2)

    def outer(parent: int) -> list[int]:
        return list(fan_out.map(lambda child: parent * 10 + child, [1, 2, 3]))

    assert list(fan_out.map(outer, [1, 2])) == [[11, 12, 13], [21, 22, 23]]
    fan_out.close()


def test_growing_batches_start_small_so_an_early_stop_costs_little():
    assert [len(batch) for batch in growing_batches(range(40), 16)] == [1, 2, 4, 8, 16, 9]
    assert [x for batch in growing_batches(range(40), 16) for x in batch] == list(range(40))


# --- pacing -------------------------------------------------------------------------------------------------
def test_a_rate_limit_halves_once_per_pause_and_recovers_one_at_a_time():
    now = [100.0]
    pacing = Pacing(10, clock=lambda: now[0])
    assert pacing.rate_limited(5.0) == (105.0, 5.0)
    assert pacing.limit == 5
    assert pacing.rate_limited(7.0) == (107.0, 2.0)  # same burst, inside the pause: no second halving
    assert pacing.limit == 5
    now[0] = 108.0
    pacing.rate_limited(1.0)
    pacing.rate_limited(0.0)
    now[0] = 120.0
    for _ in range(5):
        pacing.rate_limited(0.0)
        now[0] += 1.0
    assert pacing.limit == pacing.lowest == 1  # never below one
    for _ in range(RECOVERY_RUN - 1):
        pacing.answered()
    assert pacing.limit == 1  # slowly: a whole run of answers per step
    pacing.answered()
    assert pacing.limit == 2
    for _ in range(RECOVERY_RUN * 20):
        pacing.answered()
    assert pacing.limit == 10  # never above max_concurrency


def test_every_worker_waits_for_the_shared_pause_except_what_it_already_slept():
    now = [0.0]
    waits: list[float] = []
    pacing = Pacing(4, clock=lambda: now[0])
    resume, _ = pacing.rate_limited(30.0)
    now[0] = 10.0
    pacing.wait_for_resume(waits.append)  # another worker: waits the rest of the pause
    pacing.wait_for_resume(waits.append, slept_until=resume)  # the limited worker slept it already
    assert waits == [20.0]
    now[0] = 25.0
    pacing.rate_limited(10.0)  # another limit extends the pause to 35 s
    pacing.wait_for_resume(waits.append, slept_until=resume)
    assert waits == [20.0, 10.0]


# --- the client across threads ----------------------------------------------------------------------------
LIST = url("conversations/1")


def test_the_client_counts_every_request_of_many_threads_exactly(requests_mock):
    requests_mock.get(LIST, status_code=206, json=envelope([{"session_id": "s"}]))
    crisp = client(max_concurrency=8)
    path = LIST.split("/v1/")[1]
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: crisp.get(path), range(200)))
    assert all(reply is not None and reply.data == [{"session_id": "s"}] for reply in replies)
    assert crisp.requests_sent == requests_mock.call_count == 200
    crisp.close()


def test_the_sync_budget_sends_exactly_that_many_requests_whatever_the_threads(requests_mock):
    requests_mock.get(LIST, status_code=206, json=envelope([]))
    crisp = client(max_requests_per_sync=50, max_concurrency=8)
    path = LIST.split("/v1/")[1]
    refused: list[int] = []  # list.append is atomic across threads

    def get(number: int) -> None:
        try:
            crisp.get(path)
        except SyncBudgetSpent:
            refused.append(number)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(get, range(80)))
    assert requests_mock.call_count == crisp.requests_sent == 50
    assert len(refused) == 30
    assert crisp.budget_spent


def test_a_rate_limit_on_one_thread_lowers_the_concurrency_and_still_answers(requests_mock):
    requests_mock.get(
        LIST,
        [{"status_code": 429, "json": envelope({}, reason="rate_limited", error=True)}]
        + [{"status_code": 206, "json": envelope([])}] * 3,
    )
    crisp = client(max_concurrency=8)
    assert crisp.get(LIST.split("/v1/")[1]) is not None
    assert crisp.pacing.limit == 4
    assert crisp.watermark.hits == 1


def test_the_per_minute_budget_books_send_times_across_threads():
    now = [0.0]
    waits: list[float] = []
    budget = RequestBudget(2, clock=lambda: now[0], sleep=waits.append)  # sleeping never moves the clock
    for _ in range(4):  # four threads asking at the same instant: two now, two when the window allows
        budget.acquire()
    assert waits == [60.0, 60.0]
    now[0] = 60.0
    budget.acquire()  # the window (0, 60] already holds the two booked at 60 s
    assert waits == [60.0, 60.0, 60.0]


# --- configuration ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("tier", "expected"), [("plugin", 25), ("website", 2), ("user", 2)])
def test_max_concurrency_defaults_by_tier(tier, expected):
    assert CrispConfig.from_mapping(config(tier=tier)).max_concurrency == expected
    assert CrispConfig.from_mapping(config(tier=tier, max_concurrency=3)).max_concurrency == 3


@pytest.mark.parametrize("value", [0, 33, "8", 2.5, True])
def test_max_concurrency_out_of_bounds_names_the_field(value):
    with pytest.raises(AirbyteTracedException, match="'max_concurrency' must be an integer from 1 to 32"):
        CrispConfig.from_mapping(config(max_concurrency=value))


@pytest.mark.parametrize("value", [0, -5, "1000", 1.5, False])
def test_max_requests_per_sync_must_be_positive(value):
    with pytest.raises(AirbyteTracedException, match="'max_requests_per_sync' must be a positive integer"):
        CrispConfig.from_mapping(config(max_requests_per_sync=value))
