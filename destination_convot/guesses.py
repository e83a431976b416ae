"""What this run learnt about the guesses of `assumptions.py`: each one held, fell back, or is not known yet.

A guess is checked against what Convot answers (a 404 on a route, a list that ignores its filter, a created
object whose echo differs from what was sent). The first contradiction switches the run to the guess's
fallback, logged once as a warning naming the assumption and what the fallback costs; the summary at the end
of the run lists every fallback again.
"""

from __future__ import annotations

import logging
import operator
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger("airbyte")


@dataclass(frozen=True)
class Guess:
    label: str  # how the log names it
    assumption: str  # the constant(s) of destination_convot/assumptions.py
    fallback: str  # what the connector does instead, and what that costs


LANGUAGES_API = Guess(
    "Convot languages API",
    "LANGUAGES_PATH",
    "help-center languages are not created; `locale` is sent on every category and article instead "
    "(add the languages in Convot's help-center settings if it needs them)",
)
STATUS_PATHS = Guess(
    "resolve/reopen paths",
    "RESOLVE_PATH, REOPEN_PATH",
    "the status is set with PATCH /conversations/{uuid} {status}; nothing is lost",
)
CONTACT_ID = Guess(
    "`contact_id` on conversation create",
    "POST /conversations contact_id (gap 9)",
    "conversations are started with the contact's `email` (documented); a conversation whose contact has "
    "no email cannot be started and is counted as rejected",
)
MESSAGE_TYPE = Guess(
    "message `type`",
    "MESSAGE_TYPE_FIELD",
    "customer messages and internal notes are stored as Convot chose (see the warning); their content is "
    "kept, their author kind is not: ask Convot how to import incoming messages and notes",
)
CREATED_AT = Guess(
    "`created_at` on conversations and messages",
    "CREATED_AT_FIELD",
    "Convot dates conversations and messages at import time, not at their Crisp time; the order of each "
    "thread is kept (messages are posted oldest first); the original times cannot be set through the API",
)
PER_PAGE = Guess(
    "page size parameter",
    "PER_PAGE_PARAM, PER_PAGE",
    "lists are read with Convot's default page size: more list requests, nothing missed",
)

EVENTS_PREFIX = Guess(
    "contact events under api_url",
    "EVENTS_PATH (gap 2)",
    "events are sent under the Contact events article's prefix EVENTS_ARTICLE_PREFIX; nothing is lost",
)
EVENTS_LIST = Guess(
    "contact events list (GET EVENTS_PATH)",
    "EVENTS_PATH (list)",
    "an event whose create was not answered cannot be looked up, so it is never sent again (counted "
    "`events: unconfirmed …`): it may be missing from its contact in Convot; check that contact",
)


def external_id_filter(path: str) -> Guess:
    return Guess(
        f"`external_id` filter on GET {path}",
        "EXTERNAL_ID_FIELD (list filter)",
        "objects are matched by `external_id` client-side while paging the list: a look-up reads the list "
        "(bounded) instead of one filtered page",
    )


class GuessOutcomes:
    """Thread-safe verdicts of one run, keyed by the guess's label."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: set[str] = set()
        self._fell_back: dict[str, str] = {}  # label -> the evidence, as logged

    def fell_back(self, guess: Guess) -> bool:
        with self._lock:
            return guess.label in self._fell_back

    def known(self, guess: Guess) -> bool:
        with self._lock:
            return guess.label in self._held or guess.label in self._fell_back

    def hold(self, guess: Guess) -> None:
        with self._lock:
            if guess.label not in self._fell_back:
                self._held.add(guess.label)

    def fall_back(self, guess: Guess, evidence: str) -> None:
        """Record the contradiction; the first one of each guess is logged."""
        with self._lock:
            if guess.label in self._fell_back:
                return
            self._fell_back[guess.label] = evidence
            self._held.discard(guess.label)
        logger.warning(
            f"Convot guess not holding: {guess.label} ({guess.assumption} in "
            f"destination_convot/assumptions.py): {evidence}. "
            f"Fallback for the rest of this run: {guess.fallback}."
        )

    def compare(
        self,
        guess: Guess,
        name: str,
        held: Mapping[str, Any],
        sent: Mapping[str, Any],
        what: str,
        same: Callable[[Any, Any], bool] = operator.eq,
        proves: bool = True,
    ) -> None:
        """A field Convot answers with another value than was sent contradicts the guess behind it;
        the same value confirms it, unless it would come back anyway (`proves=False`)."""
        if not same(held.get(name), sent.get(name)):
            self.fall_back(
                guess, f"{what} sent with {name} {sent.get(name)!r} was stored with {held.get(name)!r}"
            )
        elif proves:
            self.hold(guess)

    def summary(self) -> str | None:
        with self._lock:
            if not self._fell_back:
                return None
            return "; ".join(f"{label}: {evidence}" for label, evidence in sorted(self._fell_back.items()))
