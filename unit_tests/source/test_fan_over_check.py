"""The fan-over check as a plain function of one campaign's answer: no reader, no HTTP."""

from __future__ import annotations

from source_crisp.fan_over_check import values_seen
from source_crisp.objects import BY_NAME

STATISTICS = BY_NAME["campaign_statistics"]


def test_an_action_counted_but_not_listed_is_read_with_one_warning_naming_it_and_the_guess():
    finding = values_seen(STATISTICS, {"statistics": {"opened": 2, "clicked": 0, "bounced": 1}})
    assert finding.extra == {"action": ("bounced",)}
    [(topic, message)] = finding.warnings
    assert topic == ("campaign_statistics", "action", "bounced")
    assert "'bounced'" in message
    assert "CAMPAIGN_STATISTIC_ACTIONS" in message


def test_the_listed_actions_alone_need_no_warning():
    finding = values_seen(STATISTICS, {"statistics": {"opened": 1, "clicked": 1, "unsubscribed": 1}})
    assert (finding.extra, finding.warnings) == ({}, ())


def test_an_answer_without_counters_cannot_verify_the_list_and_says_so():
    for data in ({"campaign_id": "c1"}, {"statistics": [1, 2]}, None):
        finding = values_seen(STATISTICS, data)
        assert finding.extra == {}
        [(_, message)] = finding.warnings
        assert "no 'statistics' counters" in message
        assert "could not be checked" in message


def test_an_object_without_a_check_names_nothing():
    assert values_seen(BY_NAME["operators"], {"statistics": {"bounced": 1}}).extra == {}
