"""Is a parent really gone? The one place a child route's 404 may turn into "skip these records".

A child route (a conversation's messages, a profile's events, a campaign's recipients, a locale's
categories...) answering 404 was read as "the parent was deleted since it was listed", and its records were
skipped while the state moved past them: a 404 for any other reason (a replica behind, a route that failed
for that one parent) lost them for good. The rule (assumptions.CHILD_404_MEANS_PARENT_GONE): a 404 drops data
only after the parent itself confirms it is gone, on its own route. Cost: a request only when a 404 happens.

- the parent's own route answers 404 too: gone, its children are skipped with a warning (as before);
- it answers: the child's 404 is a failure, retried `CHILD_404_RETRIES` times (with the client's backoff); a
  retry that answers is used, otherwise the stream stops with an error naming the stream, the parent and the
  route, at its last checkpoint (the checkpoint after a parent page comes after every child of that page, so
  the state never passes the parent).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_crisp.client import CrispClient
from source_crisp.objects import CrispObject

LOGGER = logging.getLogger("airbyte")
T = TypeVar("T")
_W = "website/{website_id}"

# Every object that is a parent of another, with its own route (reference §4.1, §4.4, §4.9; npm crisp-api
# getCampaign, resolveHelpdeskLocale, resolveHelpdeskLocaleArticleCategory). A test checks that every parent
# of the objects table is here: a child whose parent cannot be asked would have no way to prove a deletion.
OWN_ROUTES: Mapping[str, str] = {
    "conversations": _W + "/conversation/{session_id}",
    "people_profiles": _W + "/people/profile/{people_id}",
    "campaigns": _W + "/campaign/{campaign_id}",
    "helpdesk_locales": _W + "/helpdesk/locale/{locale}",
    "helpdesk_categories": _W + "/helpdesk/locale/{locale}/category/{category_id}",
}
# Re-asks of a child route that answered 404 while its parent exists, before the stream stops.
CHILD_404_RETRIES = 2


class ParentCheck:
    """Per sync (one per CrispReader): the parents confirmed gone are remembered, so the other child streams
    of a deleted conversation or profile skip it without asking again."""

    def __init__(
        self,
        client: CrispClient,
        path: Callable[[str, Mapping[str, Any]], str],
        logger: logging.Logger = LOGGER,
        retries: int = CHILD_404_RETRIES,
    ) -> None:
        self._client = client
        self._path = path
        self._logger = logger
        self._retries = retries
        self._gone: set[tuple[str, tuple[Any, ...]]] = set()
        self._lock = threading.Lock()

    def after_404(
        self, obj: CrispObject, context: Mapping[str, Any], route: str, again: Callable[[], T | None]
    ) -> T | None:
        """`obj`'s `route` answered 404 under the parent named by `context`. None when the parent is confirmed
        gone (skip it); the answer of `again()` (the same child request, sent anew) when a retry got one.
        Raises when the parent exists and its child keeps answering 404."""
        parent = obj.parent
        assert parent is not None, f"{obj.name} has no parent: its 404 is not a child's"
        key = (parent, tuple(context.get(name) for name in obj.parent_fields))
        who = f"{parent} item " + ", ".join(f"{name} {context.get(name)}" for name in obj.parent_fields)
        child_route = "/" + route.split("?")[0]
        own_route = self._path(OWN_ROUTES[parent], context)
        for attempt in range(self._retries + 1):
            with self._lock:
                if key in self._gone:
                    return None
            if self._client.get(own_route, child=True, quiet=True) is None:
                with self._lock:
                    self._gone.add(key)
                self._logger.warning(
                    f"{obj.name}: skipped the {who}: its route {child_route} "
                    f"answered 404 and its own route /{own_route} confirms it is gone (deleted since it was "
                    "listed)."
                )
                return None
            if attempt == self._retries:
                break
            self._client.back_off(
                attempt,
                f"{obj.name}: {child_route} answered 404 while the {who} still exists "
                f"(/{own_route} answers); asking again ({attempt + 1} of {self._retries})",
            )
            answer = again()
            if answer is not None:
                self._logger.info(f"{obj.name}: {child_route} answered on retry {attempt + 1} after a 404.")
                return answer
        message = (
            f"{obj.name}: Crisp answered 404 on {child_route} {self._retries + 1} times while the {who} "
            f"still exists (/{own_route} answers). Its records are not skipped: {obj.name} stopped at its "
            "last saved state, before this parent, and the next sync reads it again. If it persists, "
            "contact Crisp support with this route."
        )
        raise ChildMissing(
            message=message, internal_message=message, failure_type=FailureType.transient_error
        )


class ChildMissing(AirbyteTracedException):
    """A child route kept answering 404 while its parent exists: the stream stops (its records are not
    dropped). Discover's samples leave that parent out instead (no state rides on a sample)."""
