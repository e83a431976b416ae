"""Switches giving the other answers to what the Convot docs leave open.

`assumptions.py` picks one answer per gap, the same one the destination guesses; each switch here makes the
sandbox behave as an independently written Convot could, so tests show what the destination does when a
guess is wrong. The defaults are the assumptions (every switch "honoured").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from . import assumptions as A
from .errors import invalid
from .faults import options_from_dict

LANGUAGES_ROUTES = "/helpdesk/languages"
HELPDESK_ROUTES = "/helpdesk/"
STATUS_ROUTES = ("/conversations/{uuid}/resolve", "/conversations/{uuid}/reopen")
EVENTS_ROUTE = "/contacts/{id}/events"


@dataclass(frozen=True)
class ConvotGuesses:
    languages_api: bool = True  # [12] False: every /helpdesk/languages route answers 404
    status_paths: bool = True  # [10] False: no resolve/reopen routes (404); PATCH {status} only
    external_id_filter: bool = True  # [8] False: lists ignore `?external_id=` and answer unfiltered
    contact_id: bool = True  # [9] False: POST /conversations with `contact_id` answers 422
    message_type: bool = True  # [5] False: `type` is ignored, every message is stored as outgoing
    incoming_accepted: bool = True  # [5] False: `type: incoming` answers 422 (other types are kept)
    created_at: bool = True  # [6] False: `created_at` is ignored, the server clock dates everything
    created_at_accepted: bool = True  # [6] False: a body with `created_at` answers 422
    max_per_page: int = A.MAX_PER_PAGE  # [3] a larger `per_page` answers 422
    page_param: bool = True  # [3] False: `page` is ignored, every list answers its first page
    helpdesk_api: bool = True  # [11] False: no /helpdesk route at all (404)
    events_under_v1: bool = True  # [2] False: contact events only under the article's /api/v1 (404 on /v1)
    events_list: bool = True  # [8] False: GET /contacts/{id}/events answers 404 (events cannot be read back)
    events_scope: str = "contacts:write"  # [2] the scope POST /contacts/{id}/events requires (undocumented)
    article_slug_sent: bool = True  # [14] False: a sent `slug` is ignored, the slug is made from the title
    article_slug_on_create: bool = True  # [14] False: the create answer has no `slug`/`url` (a GET has them)
    article_slug_answered: bool = True  # [14] False: no article answer carries `slug` or `url`

    def __post_init__(self) -> None:
        if not 1 <= self.max_per_page <= A.MAX_PER_PAGE:
            raise ValueError(
                f"max_per_page must be between 1 and {A.MAX_PER_PAGE}, got {self.max_per_page!r}"
            )

    @classmethod
    def everything_switched(cls) -> ConvotGuesses:
        """Every guess answered otherwise, except three without which Convot cannot be written to completely:
        the helpdesk routes, a page parameter (the destination stops rather than read a list wrong), and the
        article slug in answers (without it no link can be rewritten: the destination warns, with a count)."""
        return cls(
            languages_api=False,
            status_paths=False,
            external_id_filter=False,
            contact_id=False,
            message_type=False,
            incoming_accepted=False,
            created_at=False,
            created_at_accepted=False,
            max_per_page=50,
            events_under_v1=False,
            events_list=False,
            article_slug_sent=False,
        )

    @classmethod
    def from_dict(cls, data: dict) -> ConvotGuesses:
        return options_from_dict(cls, data, "guess switch")

    def to_dict(self) -> dict:
        return asdict(self)

    def hides(self, template: str, method: str = "GET", prefix: str = "/v1") -> bool:
        """Whether this API has no `method` route at `template` (a path under `prefix`)."""
        if template == EVENTS_ROUTE:
            return (prefix != A.EVENTS_ARTICLE_PREFIX and not self.events_under_v1) or (
                method == "GET" and not self.events_list
            )
        if not self.helpdesk_api and template.startswith(HELPDESK_ROUTES):
            return True
        if not self.languages_api and template.startswith(LANGUAGES_ROUTES):
            return True
        return not self.status_paths and template in STATUS_ROUTES

    def scope_of(self, template: str, method: str, documented: str) -> str:
        """The scope a route requires here: the events route's is a guess, the others are documented."""
        return self.events_scope if template == EVENTS_ROUTE and method == "POST" else documented

    def shown_helpdesk(self, item: dict, created: bool = False) -> dict:
        """A help-center object as this API answers it (without slug and url when it keeps them to itself)."""
        if self.article_slug_answered and (self.article_slug_on_create or not created):
            return item
        return {key: value for key, value in item.items() if key not in ("slug", "url")}

    def shown_page(self, page: tuple[list[dict], bool]) -> tuple[list[dict], bool]:
        items, has_more = page
        return [self.shown_helpdesk(item) for item in items], has_more

    def filters(self, chosen: dict) -> dict:
        if self.external_id_filter:
            return chosen
        return {name: value for name, value in chosen.items() if name != "external_id"}

    def refuse_message_fields(self, body: dict) -> None:
        """422 for the message fields this API refuses (before anything is written)."""
        if not self.incoming_accepted and body.get("type") == "incoming":
            raise invalid(["Type incoming cannot be created through the API"])
        if not self.created_at_accepted and "created_at" in body:
            raise invalid(["Created at is not a permitted parameter"])

    def message_values(self, values: dict) -> dict:
        """Parsed message fields as this API keeps them."""
        kept = dict(values)
        if not self.message_type:
            kept["type"] = A.DEFAULT_MESSAGE_TYPE
        if not self.created_at:
            kept["created_at"] = None
        return kept
