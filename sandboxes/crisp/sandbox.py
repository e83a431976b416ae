"""`CrispSandbox`: the Python face of the emulator (start/stop, ground truth, controls, counters)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from . import assumptions
from .campaigns import plant_action
from .conversation_children import KINDS
from .dataset import Workspace
from .faults import FaultInjector, Faults
from .ordering import HONOURED, NEGATIVE, NEGATIVE_CREATED_AT, ListBehaviour
from .routes import DELETABLE
from .server import ROUTE_NAMES, CrispHTTPServer, SandboxState
from .tokens import ALL_SCOPES, TIERS, TOKENS_BY_NAME

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from types import TracebackType

DATE_FILTER_FIELDS = ("updated_at", "created_at")


class CrispSandbox:
    def __init__(
        self,
        size: str = "tiny",
        seed: int = 7,
        port: int = 0,
        faults: Faults | None = None,
        date_filter_field: str = assumptions.DATE_FILTER_FIELD_DEFAULT,
        route_tiers: dict[str, Iterable[str]] | None = None,
        helpdesk: str = assumptions.HELPDESK_MODE_DEFAULT,
        article_list_content: bool = assumptions.ARTICLE_LIST_HAS_CONTENT,
        uncategorized_articles: bool = False,
        order: Mapping[str, str] | None = None,
        misplaced: str | None = None,
        misplaced_page: int = 1,
        fixed_page_size: int = assumptions.FIXED_PAGE_SIZE,
        people_sort: str = HONOURED,
        children_bump_updated_at: bool = assumptions.CHILDREN_BUMP_UPDATED_AT,
        undated_children_bump_updated_at: bool = assumptions.UNDATED_CHILDREN_BUMP_UPDATED_AT,
        statistic_actions: tuple[str, ...] = assumptions.CAMPAIGN_STATISTIC_ACTIONS,
        extra_statistic_action: str | None = None,
        per_page_ignored: tuple[str, ...] = (),
        per_page_cap: int | None = None,
        plugin_scopes: Iterable[str] | None = None,
        plan_lacks: Iterable[str] = (),
    ) -> None:
        """`helpdesk`: which helpdesk routes answer (assumptions.HELPDESK_MODES); `article_list_content`:
        article list items carry `content`; `uncategorized_articles`: the last article of each locale has
        no category and its `…/category` route answers 404 category_not_found.
        order, misplaced, misplaced_page, fixed_page_size: the list switches of ordering.ListBehaviour
        (sort direction per `order_date_*`, an out-of-order conversation at the top of a page, the page size
        of the lists without `per_page`); people_sort: how the profile list answers sort_field/sort_order
        (ordering.PEOPLE_SORTS); per_page_ignored, per_page_cap: the `per_page` routes that serve their
        default size whatever is asked, and the most items any `per_page` page holds.
        children_bump_updated_at: adding an event, page or file to a conversation moves its updated_at
        (add_conversation_children); undated_children_bump_updated_at: reassigning one moves it
        (reassign_conversation). statistic_actions: the campaign statistic actions Crisp knows (another
        answers 400); extra_statistic_action: one more that Crisp has and counts, with rows (plant_action).
        plugin_scopes: the scopes the default plugin token carries (None: every scope, tokens.ALL_SCOPES); a
        route that checks another answers 403 not_allowed (set_plugin_scopes). plan_lacks: route names
        (server.ROUTE_NAMES) the workspace's plan does not include: they answer 402
        subscription_upgrade_required."""
        if date_filter_field not in DATE_FILTER_FIELDS:
            raise ValueError(
                f"date_filter_field must be one of {DATE_FILTER_FIELDS}, got {date_filter_field!r}"
            )
        if helpdesk not in assumptions.HELPDESK_MODES:
            raise ValueError(f"helpdesk must be one of {assumptions.HELPDESK_MODES}, got {helpdesk!r}")
        lists = ListBehaviour(
            order or {}, misplaced, misplaced_page, fixed_page_size, people_sort,
            tuple(per_page_ignored), per_page_cap,
        )  # fmt: skip
        self.workspace = Workspace(size, seed, uncategorized_articles)
        if misplaced == NEGATIVE:
            store = self.workspace.store
            store.shown_created[store.negative_index] = NEGATIVE_CREATED_AT
        self._state = SandboxState(self.workspace, date_filter_field, FaultInjector(faults), lists=lists)
        self._state.helpdesk_mode, self._state.article_list_content = helpdesk, article_list_content
        self._state.statistic_actions = tuple(statistic_actions)
        if extra_statistic_action:
            plant_action(self.workspace.audience, extra_statistic_action)
            self._state.statistic_actions += (extra_statistic_action,)
        self.set_route_tiers(route_tiers or {})
        self.set_plugin_scopes(plugin_scopes)
        unknown_routes = set(plan_lacks) - set(ROUTE_NAMES)
        if unknown_routes:
            raise ValueError(
                f"plan_lacks: unknown route(s) {sorted(unknown_routes)}; accepted: {ROUTE_NAMES}"
            )
        self._state.plan_lacks = frozenset(plan_lacks)
        self.children_bump_updated_at = children_bump_updated_at
        self.undated_children_bump_updated_at = undated_children_bump_updated_at
        self._port = port
        self._server: CrispHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---
    def start(self) -> CrispSandbox:
        self._server = CrispHTTPServer(self._port, self._state)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="crisp-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> CrispSandbox:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not started; call start() or use it as a context manager")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def website_id(self) -> str:
        return self.workspace.website_id

    # --- credentials and configs ---
    def credentials(self, tier: str = "plugin") -> dict[str, str]:
        """Credentials of the valid token of `tier` (plugin, website, user), or of a named special token
        (plugin_not_installed, plugin_no_people)."""
        if tier not in TOKENS_BY_NAME:
            raise ValueError(f"tier must be one of {', '.join(TOKENS_BY_NAME)}, got {tier!r}")
        return TOKENS_BY_NAME[tier].credentials()

    def source_config(self, **overrides: Any) -> dict[str, Any]:
        plugin = self.credentials("plugin")
        config = {
            "website_id": self.website_id,
            "identifier": plugin["identifier"],
            "key": plugin["key"],
            "tier": "plugin",
            "api_url": self.base_url,
            "page_size": 50,
        }
        return config | overrides

    # --- accounting ---
    def request_counts(self) -> dict[str, int]:
        return self._state.snapshot()

    def repeated_requests(self) -> dict[str, int]:
        """Requests sent more than once since the last reset (path and sorted query) -> how many times."""
        return self._state.repeated_calls()

    def total_requests(self) -> int:
        return sum(self._state.snapshot().values())

    def reset_counts(self) -> None:
        self._state.reset_counts()

    def peak_in_flight(self) -> int:
        """The most API requests the server was answering at once since the last reset."""
        return self._state.peak_in_flight

    # --- controls ---
    def set_faults(self, faults: Faults | None) -> None:
        self._state.injector.configure(faults or Faults())

    def set_route_tiers(self, route_tiers: dict[str, Iterable[str]]) -> None:
        """Restrict routes to tiers, e.g. {"people_profiles": ["user"]}; unlisted routes allow every tier."""
        for name, tiers in route_tiers.items():
            unknown = set(tiers) - set(TIERS)
            if unknown:
                raise ValueError(
                    f"route_tiers[{name!r}]: unknown tier(s) {sorted(unknown)}; accepted: {TIERS}"
                )
        self._state.route_tiers = {name: frozenset(tiers) for name, tiers in route_tiers.items()}

    def set_plugin_scopes(self, scopes: Iterable[str] | None) -> None:
        """Give the default plugin token only `scopes` (None: all again), e.g. to remove one mid-sync like a
        plugin whose scopes changed; routes outside them answer 403 not_allowed."""
        if scopes is None:
            self._state.plugin_scopes = None
            return
        chosen = frozenset(scopes)
        unknown = chosen - ALL_SCOPES
        if unknown:
            raise ValueError(
                f"plugin_scopes: unknown scope(s) {sorted(unknown)}; accepted: {sorted(ALL_SCOPES)}"
            )
        self._state.plugin_scopes = chosen

    def touch_conversations(self, k: int, new_messages: int = 1) -> list[str]:
        store = self.workspace.store
        return [store.session_id(i) for i in store.touch(k, new_messages)]

    def touch_profiles(self, k: int, data: bool = True) -> list[str]:
        """Update k profiles spread through the list (their updated_at becomes later than every other); with
        `data`, their custom data changes too. Returns their people_id."""
        people = self.workspace.people
        return [people.people_id(i) for i in people.touch(k, data)]

    def edit_people_data(self, people_id: str, **changes: object) -> None:
        """Change a profile's custom data WITHOUT changing its updated_at (whether Crisp bumps updated_at on
        a data edit is undocumented: the source's PROFILE_UPDATED_AT_COVERS_DATA)."""
        people = self.workspace.people
        k = people.index_of(people_id)
        if k is None:
            raise KeyError(f"no profile {people_id}")
        people.edit_data(k, changes)

    def add_conversation_children(
        self, k: int = 0, kinds: tuple[str, ...] = KINDS, among: Iterable[str] | None = None
    ) -> list[str]:
        """Add one event, page and file (or the `kinds` asked) to k conversations spread through the list, or
        to the conversations `among`; their updated_at moves only under `children_bump_updated_at`."""
        store = self.workspace.store
        indexes = None if among is None else [self.workspace._index(session) for session in among]
        picked = store.add_children(k, kinds, self.children_bump_updated_at, indexes)
        return [store.session_id(i) for i in picked]

    def delete_listed(self, route: str, position: int) -> dict:
        """Delete the item at `position` (0-based) of a list the server pages by itself (routes.DELETABLE:
        teams, inboxes, campaigns, helpdesk_redirections, ...), as a user deleting it in Crisp: every later
        item moves up one place, across page boundaries. Returns the deleted item."""
        if route not in DELETABLE:
            raise ValueError(f"route must be one of {', '.join(DELETABLE)}, got {route!r}")
        return DELETABLE[route](self.workspace).pop(position)

    def reassign_conversation(self, session_id: str, user_id: str | None) -> None:
        """Route a conversation to another operator (None: unassigned); its updated_at moves only under
        `undated_children_bump_updated_at`."""
        self.workspace.store.reassign(
            self.workspace._index(session_id), user_id, self.undated_children_bump_updated_at
        )

    def delete_conversation(self, session_id: str) -> None:
        i = self.workspace.store.index_of(session_id)
        if i is None:
            raise KeyError(f"no conversation {session_id} (unknown or already deleted)")
        self.workspace.store.delete(i)
