"""Per-parent reads over fixed values (a campaign's statistics, once per action) and paged bare-value lists
(a profile's conversation ids), with requests-mock."""

from __future__ import annotations

import pytest
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_crisp.objects import BY_NAME
from source_crisp.reader import CrispReader
from testing.source_builders import WEBSITE_ID, client, envelope, url


def reader() -> CrispReader:
    return CrispReader(client(), WEBSITE_ID, 20)


def listed(requests_mock, path: str, items: list) -> None:
    """A one-page list: the page, then the empty page that ends it."""
    requests_mock.get(url(f"{path}/1"), status_code=206, json=envelope(items))
    requests_mock.get(url(f"{path}/2"), status_code=200, json=envelope([]))


def counters(requests_mock, campaign: str, statistics: dict | None) -> None:
    """GET campaign/{id}: the campaign with (or without) its `statistics` counters, one per action."""
    body = {"campaign_id": campaign} | ({} if statistics is None else {"statistics": statistics})
    requests_mock.get(url(f"campaign/{campaign}"), json=envelope(body))


def test_statistics_are_read_per_campaign_and_action_and_carry_both(requests_mock):
    listed(requests_mock, "campaigns/list", [{"campaign_id": "c1"}, {"campaign_id": "c2"}])
    for campaign in ("c1", "c2"):
        counters(requests_mock, campaign, {"opened": 1, "clicked": 1, "unsubscribed": 1})
        for action in ("opened", "clicked", "unsubscribed"):
            row = {"type": action, "profile": {"people_id": f"{campaign}-{action}"}, "created_at": 1}
            listed(requests_mock, f"campaign/{campaign}/statistics/{action}", [row])
    items = list(reader().items(BY_NAME["campaign_statistics"]))
    assert [(context["campaign_id"], context["action"]) for _, context in items] == [
        (c, a) for c in ("c1", "c2") for a in ("opened", "clicked", "unsubscribed")
    ]
    assert all(item["profile"]["people_id"] == f"{c['campaign_id']}-{c['action']}" for item, c in items)
    # The campaign list, each campaign's counters, then a page + the end per read.
    assert requests_mock.call_count == 2 + 2 + 2 * 3 * 2


def test_an_action_a_campaign_counts_beyond_the_list_is_read_too_with_one_warning(requests_mock, caplog):
    listed(requests_mock, "campaigns/list", [{"campaign_id": "c1"}, {"campaign_id": "c2"}])
    for campaign in ("c1", "c2"):
        counters(requests_mock, campaign, {"opened": 2, "clicked": 0, "unsubscribed": 0, "replied": 1})
        for action in ("opened", "clicked", "unsubscribed", "replied"):
            row = {"type": action, "profile": {"people_id": f"{campaign}-{action}"}, "created_at": 1}
            listed(requests_mock, f"campaign/{campaign}/statistics/{action}", [row])
    items = list(reader().items(BY_NAME["campaign_statistics"]))
    assert [(context["campaign_id"], context["action"]) for _, context in items] == [
        (c, a) for c in ("c1", "c2") for a in ("opened", "clicked", "unsubscribed", "replied")
    ]
    warnings = [r.getMessage() for r in caplog.records if "'replied'" in r.getMessage()]
    assert len(warnings) == 1  # once per sync, not once per campaign
    assert "CAMPAIGN_STATISTIC_ACTIONS" in warnings[0]
    assert "read too" in warnings[0]


def test_a_campaign_answer_without_counters_warns_that_the_actions_are_unchecked(requests_mock, caplog):
    listed(requests_mock, "campaigns/list", [{"campaign_id": "c1"}])
    counters(requests_mock, "c1", None)
    for action in ("opened", "clicked", "unsubscribed"):
        listed(requests_mock, f"campaign/c1/statistics/{action}", [])
    assert list(reader().items(BY_NAME["campaign_statistics"])) == []
    assert any("could not be checked" in r.getMessage() for r in caplog.records)


def test_a_paged_list_of_bare_session_ids_becomes_one_row_each(requests_mock):
    listed(requests_mock, "people/profiles", [{"people_id": "p1"}])
    listed(requests_mock, "people/conversations/p1/list", ["session_a", "session_b"])
    items = list(reader().items(BY_NAME["people_conversations"]))
    assert items == [
        ({"session_id": "session_a"}, {"people_id": "p1"}),
        ({"session_id": "session_b"}, {"people_id": "p1"}),
    ]


def test_an_object_among_bare_session_ids_is_a_broken_answer(requests_mock):
    listed(requests_mock, "people/profiles", [{"people_id": "p1"}])
    listed(requests_mock, "people/conversations/p1/list", ["session_a", {"session_id": "session_b"}])
    with pytest.raises(AirbyteTracedException, match="not plain values"):
        list(reader().items(BY_NAME["people_conversations"]))
