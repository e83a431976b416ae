"""The Convot API as this destination uses it: the one place holding paths and payload shapes.

Everything undocumented (message `type`/`created_at`, `external_id` on conversations and articles, the
helpdesk paths) comes from `assumptions.py`, and each answer is checked against the guesses it relies on:
the first contradiction switches the run to the guess's fallback (`guesses.py`). Methods return plain dicts
(the unwrapped object).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from destination_convot import assumptions, guesses
from destination_convot.client import ConvotClient
from destination_convot.errors import (
    AssumptionFailed,
    ConvotApiError,
    ConvotConflict,
    ConvotRejected,
    StreamUnwritable,
)
from destination_convot.guesses import GuessOutcomes
from destination_convot.mapping import parse_iso
from destination_convot.too_large import send_fitting

logger = logging.getLogger("airbyte")

# Ledger kind -> (collection path, list key); the singular wrapper key is the kind itself.
HELPDESK_RESOURCES = {
    "category": (assumptions.CATEGORIES_PATH, "categories"),
    "article": (assumptions.ARTICLES_PATH, "articles"),
}


def unwrap(body: Any, singular: str) -> dict[str, Any]:
    """Convot wraps single objects by their singular name (assumed, gap 4); accept a bare object too."""
    if isinstance(body, dict) and isinstance(body.get(singular), dict):
        return body[singular]
    return body if isinstance(body, dict) else {}


def carries_id(singular: str) -> Callable[[Any], bool]:
    """A write's answer confirms it only with the written object's id (a 200 `{}` confirms nothing)."""
    return lambda body: unwrap(body, singular).get("id") not in (None, "")


def known_id(value: Any, what: str) -> Any:
    """An id that goes into a path: never `None` (that would write to `/conversations/None/...`)."""
    if value in (None, "", "None"):
        raise ValueError(f"no Convot id for {what}: refusing to build a request path with it")
    return value


class ConvotApi:
    """Each guess a request relies on is checked against Convot's answer (`guesses.py` keeps the verdicts)."""

    def __init__(self, client: ConvotClient) -> None:
        self.client = client
        self.outcomes = GuessOutcomes()
        self._per_page: int | None = (
            assumptions.PER_PAGE
        )  # None: Convot refused it, its default page size is used
        self._refused: set[tuple[str, Any]] = set()  # (field, value) Convot refused: no longer sent

    # -- lists -------------------------------------------------------------------------------------
    def iter_list(
        self, path: str, plural: str, base: str | None = None, **filters: Any
    ) -> Iterator[dict[str, Any]]:
        """Every item of a list, page after page, bounded.

        Guarded against the paging guesses: a refused page size falls back to Convot's default; a list
        without `meta.has_more` is read until an empty page; a page repeating the previous one (the page
        parameter ignored) stops the sync rather than looping or missing items.
        """
        previous: list[Any] = []
        for page in range(1, MAX_LIST_PAGES + 1):
            body = self._page(path, {**filters, assumptions.PAGE_PARAM: page}, base)
            items = [item for item in body.get(plural) or [] if isinstance(item, dict)]
            ids = [item.get("id") for item in items]
            if items and ids == previous:
                raise AssumptionFailed(
                    "PAGE_PARAM",
                    f"GET {path} answered page {page} with the items of page {page - 1}",
                    "Convot does not page with this parameter: set PAGE_PARAM to the one it uses.",
                )
            previous = ids
            yield from items
            meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
            if not items or meta.get("has_more") not in (True, None):  # no has_more: read to an empty page
                return
        raise AssumptionFailed(
            "PAGE_PARAM",
            f"GET {path} still had more after {MAX_LIST_PAGES} pages",
            "The list is longer than this destination reads, or Convot pages differently.",
        )

    def _page(self, path: str, params: dict[str, Any], base: str | None = None) -> dict[str, Any]:
        if self._per_page is None:
            return _object(self.client.get(path, params, base))
        try:
            return _object(
                self.client.get(path, {**params, assumptions.PER_PAGE_PARAM: self._per_page}, base)
            )
        except ConvotRejected as error:
            if error.status not in (400, 422):
                raise
            refused = f"{error.status} {error.code}"
        body = _object(self.client.get(path, params, base))  # raises again if the page size was not it
        self._per_page = None
        self.outcomes.fall_back(
            guesses.PER_PAGE,
            f"GET {path} with {assumptions.PER_PAGE_PARAM}={assumptions.PER_PAGE} answered {refused}",
        )
        return body

    def find_one(self, path: str, plural: str, **filters: Any) -> dict[str, Any] | None:
        return next(self.iter_list(path, plural, **filters), None)

    def find_by_external_id(
        self, kind: str, path: str, plural: str, external_id: str
    ) -> dict[str, Any] | None:
        """The object holding this external id, the filter checked on what comes back.

        An object with another external id means Convot ignores the filter: the list is then matched
        client-side, within MAX_SCANNED_OBJECTS; past that the sync stops rather than guess.
        """
        guess = guesses.external_id_filter(path)
        for scanned, item in enumerate(
            self.iter_list(path, plural, **{assumptions.EXTERNAL_ID_FIELD: external_id})
        ):
            if item.get(assumptions.EXTERNAL_ID_FIELD) == external_id:
                if scanned == 0:
                    self.outcomes.hold(guess)
                return item
            self.outcomes.fall_back(
                guess,
                f"asked for {assumptions.EXTERNAL_ID_FIELD}={external_id!r}, it answered "
                f"{assumptions.EXTERNAL_ID_FIELD}={item.get(assumptions.EXTERNAL_ID_FIELD)!r}",
            )
            if scanned >= MAX_SCANNED_OBJECTS:
                raise AssumptionFailed(
                    "EXTERNAL_ID_FIELD",
                    f"Convot ignores the {assumptions.EXTERNAL_ID_FIELD} filter on GET {path} and holds more "
                    f"than {MAX_SCANNED_OBJECTS} objects, so whether the {kind} {external_id} was already "
                    "created cannot be checked",
                    f"Ask Convot how to find a {kind} by external id.",
                )
        return None

    # -- contacts ----------------------------------------------------------------------------------
    def upsert_contact(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        # Documented find-or-create: safe to retry as is.
        body = self.client.request("POST", "/contacts", json=dict(payload), confirms=carries_id("contact"))
        return unwrap(body, "contact")

    # -- conversations and messages ----------------------------------------------------------------
    def find_conversation(self, external_id: str) -> dict[str, Any] | None:
        return self.find_by_external_id("conversation", "/conversations", "conversations", external_id)

    def create_conversation(self, payload: Mapping[str, Any], email: str | None = None) -> dict[str, Any]:
        """Start a conversation with its seed message; `email` is the documented way to name its contact
        when Convot refuses `contact_id` (gap 9)."""
        external_id = payload[assumptions.EXTERNAL_ID_FIELD]

        def send(body: dict[str, Any]) -> dict[str, Any]:
            answer = self.client.request(
                "POST",
                "/conversations",
                json=body,
                already_applied=lambda: self.find_conversation(external_id),
                confirms=carries_id("conversation"),
            )
            return unwrap(answer, "conversation")

        by_email = (
            [Refusable(guesses.CONTACT_ID, "contact_id", lambda body: _by_email(body, email))]
            if email
            else []
        )

        def create(fitting: Mapping[str, Any]) -> dict[str, Any]:
            conversation, sent = self._send_refusable(send, fitting, [*by_email, *MESSAGE_FIELDS])
            self._check_conversation_echo(conversation, sent)
            return conversation

        return send_fitting(create, payload, f"the first message of conversation {external_id}")

    def _send_refusable(
        self,
        send: Callable[[dict[str, Any]], dict[str, Any]],
        payload: Mapping[str, Any],
        fields: list[Refusable],
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """`send` the payload without the fields Convot refused earlier in this run; returns (answer, sent).

        On a 400/422, the fields whose guess is not proven yet are taken out one by one (or replaced by their
        documented alternative), keeping each removal that changes Convot's complaint. If Convot then accepts,
        the removed fields are given up for the rest of the run; if not, the record's own problem is raised
        as Convot first stated it.
        """
        sent = dict(payload)
        for refusable in fields:
            if refusable.key(sent) in self._refused:
                sent = refusable.without(sent)
        try:
            return send(sent), sent
        except ConvotRejected as error:
            if error.status not in (400, 422):
                raise
            complaint, trial = error.reason, sent
            causes: list[tuple[Refusable, tuple[str, Any], str]] = []  # with what Convot said about each
            for refusable in fields:
                key = refusable.key(trial)
                if refusable.field not in trial or (
                    self.outcomes.known(refusable.guess) and key not in self._refused
                ):
                    continue  # not sent, or proven to work: not why Convot refused
                candidate = refusable.without(trial)
                try:
                    answer = send(candidate)
                except ConvotRejected as other:
                    if other.status in (400, 422) and other.reason != complaint:
                        causes.append((refusable, key, complaint))  # without it, Convot complains of else
                        complaint, trial = other.reason, candidate
                    continue
                for cause, cause_key, said in [*causes, (refusable, key, complaint)]:
                    self._refused.add(cause_key)
                    refused = f"{cause.field} {sent[cause.field]!r}"
                    self.outcomes.fall_back(
                        cause.guess, f"{error.request} with {refused} answered {error.status}: {said}"
                    )
                return answer, candidate
            raise

    def _check_conversation_echo(self, held: Mapping[str, Any], sent: Mapping[str, Any]) -> None:
        if "contact_id" in sent and held.get("contact_id") is not None:
            self.outcomes.compare(guesses.CONTACT_ID, "contact_id", held, sent, "a conversation")
        self._check_time(held, sent, "conversation")
        seed_type = sent.get(assumptions.MESSAGE_TYPE_FIELD, DEFAULT_MESSAGE_TYPE)
        if (
            seed_type != DEFAULT_MESSAGE_TYPE
            and not self.outcomes.known(guesses.MESSAGE_TYPE)
            and held.get("id")
        ):
            # The conversation's answer does not show its seed message: read it back once per run.
            seed = next(self.iter_list(f"/conversations/{held['id']}/messages", "messages"), None)
            if seed is not None and assumptions.MESSAGE_TYPE_FIELD in seed:
                self._check_type(seed, sent)

    def list_messages(self, conversation_id: str) -> list[dict[str, Any]]:
        conversation_id = known_id(conversation_id, "a conversation")
        return list(self.iter_list(f"/conversations/{conversation_id}/messages", "messages"))

    def find_message(
        self, conversation_id: str, payload: Mapping[str, Any], confirmed: int
    ) -> dict[str, Any] | None:
        """The held copy of a message whose POST got no answer, or None when Convot does not hold it.

        The same created_at, type and content; when Convot does not keep those (guesses 5 and 6), the newest
        message with the same content, provided Convot holds more messages than the ledger confirmed
        (`confirmed`): a thread is posted in order, so only the newest can be unconfirmed.
        """
        held = [
            m
            for m in self.list_messages(conversation_id)
            if m.get(assumptions.MESSAGE_TYPE_FIELD) != "activity"
        ]
        exact = next((message for message in held if same_message(message, payload)), None)
        if exact is not None:
            return exact
        if len(held) > confirmed and held[-1].get("content") == payload.get("content"):
            return held[-1]
        return None

    def post_message(
        self, conversation_id: str, payload: Mapping[str, Any], confirmed: Callable[[], int]
    ) -> dict[str, Any]:
        """`confirmed()`: messages of this conversation the ledger holds (see `find_message`)."""
        conversation_id = known_id(conversation_id, "the conversation of a message")

        def send(body: dict[str, Any]) -> dict[str, Any]:
            # `body` minus what Convot refused is still the message: its content, type, time as held
            looked_for = {**payload, "content": body.get("content")}
            answer = self.client.request(
                "POST",
                f"/conversations/{conversation_id}/messages",
                json=body,
                already_applied=lambda: self.find_message(conversation_id, looked_for, confirmed()),
                confirms=carries_id("message"),
            )
            return unwrap(answer, "message")

        def post(fitting: Mapping[str, Any]) -> dict[str, Any]:
            message, sent = self._send_refusable(send, fitting, MESSAGE_FIELDS)
            if assumptions.MESSAGE_TYPE_FIELD in message:
                self._check_type(message, fitting)
            self._check_time(message, sent, "message")
            return message

        when = payload.get(assumptions.CREATED_AT_FIELD) or "undated"
        return send_fitting(post, payload, f"a message ({when}) of Convot conversation {conversation_id}")

    def _check_type(self, held: Mapping[str, Any], sent: Mapping[str, Any]) -> None:
        # The default type proves nothing when it comes back: only another one does.
        proves = sent.get(assumptions.MESSAGE_TYPE_FIELD) != DEFAULT_MESSAGE_TYPE
        self.outcomes.compare(
            guesses.MESSAGE_TYPE, assumptions.MESSAGE_TYPE_FIELD, held, sent, "a message", proves=proves
        )

    def _check_time(self, held: Mapping[str, Any], sent: Mapping[str, Any], kind: str) -> None:
        if sent.get(assumptions.CREATED_AT_FIELD) and held.get(assumptions.CREATED_AT_FIELD):
            self.outcomes.compare(
                guesses.CREATED_AT, assumptions.CREATED_AT_FIELD, held, sent, f"a {kind}", same=_same_instant
            )

    def set_status(self, conversation_id: str, status: str) -> None:
        """The status paths (gap 10), else PATCH {status}; a 404 or 405 there is a missing route only if
        the PATCH then works (otherwise the conversation itself is gone and that error is raised)."""
        conversation_id = known_id(conversation_id, "a conversation status")
        if not self.outcomes.fell_back(guesses.STATUS_PATHS):
            template = assumptions.RESOLVE_PATH if status == "resolved" else assumptions.REOPEN_PATH
            try:
                self.client.request("POST", template.format(uuid=conversation_id))
            except ConvotRejected as error:
                if error.status not in (404, 405):
                    raise
                self._patch_status(conversation_id, status)
                self.outcomes.fall_back(
                    guesses.STATUS_PATHS, f"POST {template} answered {error.status} {error.code}"
                )
                return
            self.outcomes.hold(guesses.STATUS_PATHS)
            return
        self._patch_status(conversation_id, status)

    def _patch_status(self, conversation_id: str, status: str) -> None:
        self.client.request("PATCH", f"/conversations/{conversation_id}", json={"status": status})

    # -- helpdesk ----------------------------------------------------------------------------------
    def list_languages(self) -> list[dict[str, Any]] | None:
        """None: Convot has no languages API (guess 12); `locale` on categories and articles is then all."""
        try:
            languages = list(self.iter_list(assumptions.LANGUAGES_PATH, "languages"))
        except ConvotRejected as error:
            return self._no_languages_api(error, "GET")
        self.outcomes.hold(guesses.LANGUAGES_API)
        return languages

    def create_language(self, payload: Mapping[str, Any]) -> dict[str, Any] | None:
        locale = payload.get("locale")
        try:
            body = self.client.request(
                "POST",
                assumptions.LANGUAGES_PATH,
                json=dict(payload),
                already_applied=lambda: next(
                    (x for x in self.list_languages() or [] if x.get("locale") == locale), None
                ),
                confirms=carries_id("language"),
            )
        except ConvotRejected as error:
            return self._no_languages_api(error, "POST")
        return unwrap(body, "language")

    def _no_languages_api(self, error: ConvotRejected, method: str) -> None:
        if error.status not in (404, 405):
            raise error
        self.outcomes.fall_back(
            guesses.LANGUAGES_API, f"{method} {assumptions.LANGUAGES_PATH} answered {error.status}"
        )
        return None

    def find_helpdesk(self, kind: str, external_id: str) -> dict[str, Any] | None:
        path, plural = HELPDESK_RESOURCES[kind]
        with _route_guard(kind, f"GET {path}"):
            return self.find_by_external_id(kind, path, plural, external_id)

    def create_helpdesk(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Create a category or an article; a lost answer is resolved by its external id."""
        external_id = payload[assumptions.EXTERNAL_ID_FIELD]
        path = HELPDESK_RESOURCES[kind][0]
        try:
            with _route_guard(kind, f"POST {path}"):
                body = self.client.request(
                    "POST",
                    path,
                    json=dict(payload),
                    already_applied=lambda: self.find_helpdesk(kind, external_id),
                    confirms=carries_id(kind),
                )
        except ConvotConflict:
            held = self.find_helpdesk(kind, external_id)
            if not held or not held.get("id"):
                raise  # a conflict with something else than this object: a rejection, named by the caller
            logger.warning(
                f"Convot answered 409 conflict to the create of {kind} {external_id}: it already holds it "
                f"(id {held['id']}); adopting it and updating it instead of creating it again."
            )
            return self.update_helpdesk(kind, held["id"], payload)
        return unwrap(body, kind)

    def read_helpdesk(self, kind: str, object_id: Any) -> dict[str, Any]:
        """One category or article as Convot holds it (what a terse create answer left out)."""
        path = HELPDESK_RESOURCES[kind][0]
        return unwrap(self.client.get(f"{path}/{known_id(object_id, f'a {kind}')}"), kind)

    def update_helpdesk(self, kind: str, object_id: Any, payload: Mapping[str, Any]) -> dict[str, Any]:
        object_id = known_id(object_id, f"a {kind}")
        path = HELPDESK_RESOURCES[kind][0]
        # 404 here is the object (deleted in Convot): rejected as one record; only 405 is the route.
        with _route_guard(kind, f"PATCH {path}/{{id}}", statuses=(405,)):
            body = self.client.request("PATCH", f"{path}/{object_id}", json=dict(payload))
        return unwrap(body, kind)

    # -- check probes ------------------------------------------------------------------------------
    def probe(self, method: str, path: str) -> ConvotApiError | None:
        """Send a harmless request; return the API error it caused (None when it succeeded).

        A write probe is a POST with an empty body: Convot checks the scope first (403), then validation
        (400/422), so it proves the scope without creating anything.
        """
        try:
            self.probe_list(method, path)
        except ConvotApiError as exc:
            return exc
        return None

    def probe_list(self, method: str, path: str, **params: Any) -> Any:
        """The answer to one harmless request (a one-item page, or an empty-bodied POST)."""
        if method == "GET":
            return self.client.get(path, {assumptions.PER_PAGE_PARAM: 1, **params})
        return self.client.request(method, path, json={})


@dataclass(frozen=True)
class Refusable:
    """A guessed field Convot may refuse (400/422): `replace` gives the payload without it."""

    guess: guesses.Guess
    field: str
    replace: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    per_value: bool = False  # refused for one value only (Convot may take notes yet refuse `incoming`)

    def key(self, payload: Mapping[str, Any]) -> tuple[str, Any]:
        return (self.field, payload.get(self.field) if self.per_value else "*")

    def without(self, payload: dict[str, Any]) -> dict[str, Any]:
        if self.replace is not None:
            return self.replace(payload)
        return {key: value for key, value in payload.items() if key != self.field}


MESSAGE_FIELDS = [
    Refusable(guesses.MESSAGE_TYPE, assumptions.MESSAGE_TYPE_FIELD, per_value=True),
    Refusable(guesses.CREATED_AT, assumptions.CREATED_AT_FIELD),
]
MAX_LIST_PAGES = 10_000  # a list longer than this many pages is not read to the end: the sync stops
MAX_SCANNED_OBJECTS = 20_000  # a client-side external-id match reads at most this many objects
DEFAULT_MESSAGE_TYPE = "outgoing"  # what Convot documents for API messages
HELPDESK_ASSUMPTION = {"category": "CATEGORIES_PATH", "article": "ARTICLES_PATH"}


@contextmanager
def _route_guard(kind: str, request: str, statuses: tuple[int, ...] = (404, 405)) -> Iterator[None]:
    """A 404/405 on a help-center collection route means the route does not exist: the whole stream fails."""
    try:
        yield
    except ConvotRejected as error:
        if error.status not in statuses:
            raise
        raise StreamUnwritable(
            "help center (categories and articles)", request, HELPDESK_ASSUMPTION[kind], error.status
        ) from None


def _by_email(payload: Mapping[str, Any], email: str) -> dict[str, Any]:
    return {**{key: v for key, v in payload.items() if key != "contact_id"}, "email": email}


def _object(body: Any) -> dict[str, Any]:
    return body if isinstance(body, dict) else {}


def same_message(held: Mapping[str, Any], sent: Mapping[str, Any], timed: bool = True) -> bool:
    return (
        held.get("content") == sent.get("content")
        and held.get(assumptions.MESSAGE_TYPE_FIELD, DEFAULT_MESSAGE_TYPE)
        == sent.get(assumptions.MESSAGE_TYPE_FIELD, DEFAULT_MESSAGE_TYPE)
        and (
            not timed
            or _same_instant(held.get(assumptions.CREATED_AT_FIELD), sent.get(assumptions.CREATED_AT_FIELD))
        )
    )


def _same_instant(left: Any, right: Any) -> bool:
    if left == right:
        return True
    return parse_iso(left) is not None and parse_iso(left) == parse_iso(right)
