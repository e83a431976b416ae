"""The Convot API as this destination uses it: the one place holding paths and payload shapes.

Everything undocumented (message `type`/`created_at`, `external_id` on conversations and articles, the
helpdesk paths) comes from `assumptions.py`. Methods return plain dicts (the unwrapped object).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from destination_convot import assumptions as A
from destination_convot.client import ConvotClient
from destination_convot.errors import ConvotApiError
from destination_convot.mapping import parse_iso

# Ledger kind -> (collection path, list key); the singular wrapper key is the kind itself.
HELPDESK_RESOURCES = {
    "category": (A.CATEGORIES_PATH, "categories"),
    "article": (A.ARTICLES_PATH, "articles"),
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
    def __init__(self, client: ConvotClient) -> None:
        self.client = client

    # -- lists -------------------------------------------------------------------------------------
    def iter_list(self, path: str, plural: str, **filters: Any) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            params = {**filters, A.PAGE_PARAM: page, A.PER_PAGE_PARAM: A.PER_PAGE}
            body = self.client.get(path, params)
            yield from body.get(plural) or []
            if not (body.get("meta") or {}).get("has_more"):
                return
            page += 1

    def find_one(self, path: str, plural: str, **filters: Any) -> dict[str, Any] | None:
        return next(self.iter_list(path, plural, **filters), None)

    # -- contacts ----------------------------------------------------------------------------------
    def upsert_contact(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        # Documented find-or-create: safe to retry as is.
        body = self.client.request("POST", "/contacts", json=dict(payload), confirms=carries_id("contact"))
        return unwrap(body, "contact")

    # -- conversations and messages ----------------------------------------------------------------
    def find_conversation(self, external_id: str) -> dict[str, Any] | None:
        return self.find_one("/conversations", "conversations", **{A.EXTERNAL_ID_FIELD: external_id})

    def create_conversation(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        external_id = payload[A.EXTERNAL_ID_FIELD]
        body = self.client.request(
            "POST",
            "/conversations",
            json=dict(payload),
            already_applied=lambda: self.find_conversation(external_id),
            confirms=carries_id("conversation"),
        )
        return unwrap(body, "conversation")

    def list_messages(self, conversation_id: str) -> list[dict[str, Any]]:
        conversation_id = known_id(conversation_id, "a conversation")
        return list(self.iter_list(f"/conversations/{conversation_id}/messages", "messages"))

    def find_message(self, conversation_id: str, payload: Mapping[str, Any]) -> dict[str, Any] | None:
        """A message with the same created_at, type and content: how an unconfirmed POST is recognised."""
        for message in self.list_messages(conversation_id):
            if same_message(message, payload):
                return message
        return None

    def post_message(self, conversation_id: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        conversation_id = known_id(conversation_id, "the conversation of a message")
        body = self.client.request(
            "POST",
            f"/conversations/{conversation_id}/messages",
            json=dict(payload),
            already_applied=lambda: self.find_message(conversation_id, payload),
            confirms=carries_id("message"),
        )
        return unwrap(body, "message")

    def set_status(self, conversation_id: str, status: str) -> None:
        path = A.RESOLVE_PATH if status == "resolved" else A.REOPEN_PATH
        self.client.request("POST", path.format(uuid=known_id(conversation_id, "a conversation status")))

    # -- helpdesk ----------------------------------------------------------------------------------
    def list_languages(self) -> list[dict[str, Any]]:
        return list(self.iter_list(A.LANGUAGES_PATH, "languages"))

    def create_language(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        locale = payload.get("locale")
        body = self.client.request(
            "POST",
            A.LANGUAGES_PATH,
            json=dict(payload),
            already_applied=lambda: next(
                (x for x in self.list_languages() if x.get("locale") == locale), None
            ),
            confirms=carries_id("language"),
        )
        return unwrap(body, "language")

    def find_helpdesk(self, kind: str, external_id: str) -> dict[str, Any] | None:
        path, plural = HELPDESK_RESOURCES[kind]
        return self.find_one(path, plural, **{A.EXTERNAL_ID_FIELD: external_id})

    def create_helpdesk(self, kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Create a category or an article; a lost answer is resolved by its external id."""
        external_id = payload[A.EXTERNAL_ID_FIELD]
        body = self.client.request(
            "POST",
            HELPDESK_RESOURCES[kind][0],
            json=dict(payload),
            already_applied=lambda: self.find_helpdesk(kind, external_id),
            confirms=carries_id(kind),
        )
        return unwrap(body, kind)

    def update_helpdesk(self, kind: str, object_id: Any, payload: Mapping[str, Any]) -> dict[str, Any]:
        object_id = known_id(object_id, f"a {kind}")
        body = self.client.request("PATCH", f"{HELPDESK_RESOURCES[kind][0]}/{object_id}", json=dict(payload))
        return unwrap(body, kind)

    # -- check probes ------------------------------------------------------------------------------
    def probe(self, method: str, path: str) -> ConvotApiError | None:
        """Send a harmless request; return the API error it caused (None when it succeeded).

        A write probe is a POST with an empty body: Convot checks the scope first (403), then validation
        (400/422),
        so it proves the scope without creating anything.
        """
        try:
            if method == "GET":
                self.client.get(path, {A.PER_PAGE_PARAM: 1})
            else:
                self.client.request(method, path, json={})
        except ConvotApiError as exc:
            return exc
        return None


def same_message(held: Mapping[str, Any], sent: Mapping[str, Any], timed: bool = True) -> bool:
    return (
        held.get("content") == sent.get("content")
        and held.get(A.MESSAGE_TYPE_FIELD, "outgoing") == sent.get(A.MESSAGE_TYPE_FIELD, "outgoing")
        and (not timed or _same_instant(held.get(A.CREATED_AT_FIELD), sent.get(A.CREATED_AT_FIELD)))
    )


def _same_instant(left: Any, right: Any) -> bool:
    if left == right:
        return True
    return parse_iso(left) is not None and parse_iso(left) == parse_iso(right)
