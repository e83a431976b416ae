from __future__ import annotations

from source_crisp.flatten import column_names, flatten


def test_nested_objects_become_underscore_joined_leaves():
    conversation = {
        "unread": {"visitor": 1, "operator": 0},
        "meta": {"device": {"geolocation": {"coordinates": {"latitude": 48.85, "longitude": 2.35}}}},
    }
    assert flatten(conversation) == {
        "unread_visitor": 1,
        "unread_operator": 0,
        "meta_device_geolocation_coordinates_latitude": 48.85,
        "meta_device_geolocation_coordinates_longitude": 2.35,
    }


def test_arrays_become_compact_json_text_and_empty_objects_vanish():
    flat = flatten({"meta": {"segments": ["customer", "billing"], "data": {}}, "tags": [{"a": "é"}]})
    assert flat == {"meta_segments": '["customer","billing"]', "tags": '[{"a":"é"}]'}


def test_nulls_are_kept_as_leaves():
    assert flatten({"meta": {"avatar": None}}) == {"meta_avatar": None}


def test_collision_structured_path_keeps_the_name_literal_key_gets_suffix():
    conversation = {"meta": {"device_timezone": "Europe/Paris", "device": {"timezone": -120}}}
    assert flatten(conversation) == {"meta_device_timezone": -120, "meta_device_timezone__2": "Europe/Paris"}


def test_collision_rule_does_not_depend_on_key_order():
    forward = column_names([("a", "b_c"), ("a", "b", "c"), ("a_b", "c")])
    backward = column_names([("a_b", "c"), ("a", "b", "c"), ("a", "b_c")])
    assert (
        forward
        == backward
        == {
            ("a", "b", "c"): "a_b_c",  # most segments
            ("a", "b_c"): "a_b_c__2",  # then alphabetical by dotted path: "a.b_c" < "a_b.c"
            ("a_b", "c"): "a_b_c__3",
        }
    )
