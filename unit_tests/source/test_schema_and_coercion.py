from __future__ import annotations

from source_crisp import known_fields
from source_crisp.objects import BY_NAME
from source_crisp.records import RecordShaper, prepare
from source_crisp.schema_inference import Column, columns_from_schema, infer_columns, json_schema
from source_crisp.types import ColumnType, type_of, widen

S, L, B, D = ColumnType.STRING, ColumnType.LONG, ColumnType.BOOLEAN, ColumnType.DOUBLE


def test_value_types_bool_is_not_long():
    assert [type_of(v) for v in (True, 3, 2.5, "x", None)] == [B, L, D, S, None]


def test_widening_long_double_is_double_other_mixes_are_string():
    assert widen(L, D) == D
    assert widen(D, L) == D
    assert widen(L, B) == S
    assert widen(B, S) == S
    assert widen(None, L) == L
    assert widen(L, None) == L


def test_inference_unions_known_fields_and_sample_with_widening():
    known = {"id": S, "score": L}
    samples = [
        {"id": "a", "score": 1, "data": {"seats": 5}},
        {"id": "b", "score": 1.5, "data": {"seats": "many"}},
    ]
    types = {column.name: column.type for column in infer_columns(known, samples)}
    assert types == {"id": S, "score": D, "data_seats": S}


def test_null_only_columns_are_strings():
    assert infer_columns({}, [{"x": None}]) == [Column("x", ("x",), S)]


def test_schema_is_nullable_airbyte_types_with_source_paths():
    schema = json_schema(infer_columns({"a.b": L}, []))
    assert schema["properties"] == {"a_b": {"type": ["null", "integer"], "x-crisp-path": ["a", "b"]}}
    assert columns_from_schema(schema) == [Column("a_b", ("a", "b"), L)]


def test_issue_3_columns_are_known_with_their_types():
    conversation = {c.name: c.type for c in infer_columns(known_fields.CONVERSATION, [])}
    expected = {
        "unread_visitor": L, "unread_operator": L, "active_now": B, "compose_visitor_type": S,
        "compose_visitor_excerpt": S, "compose_visitor_timestamp": L, "preview_message_fingerprint": L,
        "preview_message_from": S, "preview_message_type": S, "preview_message_excerpt": S,
        "meta_nickname": S, "meta_email": S, "meta_phone": S, "meta_ip": S, "meta_origin": S,
        "meta_avatar": S,
        "meta_segments": S, "meta_device_timezone": L, "meta_device_geolocation_country": S,
        "meta_device_geolocation_city": S, "meta_device_geolocation_region": S,
        "meta_device_geolocation_coordinates_latitude": D, "meta_device_geolocation_coordinates_longitude": D,
        "meta_device_system_os_name": S, "meta_device_system_browser_name": S, "is_blocked": B,
        "created_at": L, "updated_at": L,
    }  # fmt: skip
    assert {name: conversation.get(name) for name in expected} == expected
    profile = {c.name: c.type for c in infer_columns(known_fields.PEOPLE_PROFILE, [])}
    expected_profile = {
        "active_now": B, "person_geolocation_country": S, "person_geolocation_city": S,
        "person_geolocation_region": S, "person_geolocation_coordinates_latitude": D,
        "person_geolocation_coordinates_longitude": D, "company_emails": S, "company_phones": S,
        "company_tags": S,
    }  # fmt: skip
    assert {name: profile.get(name) for name in expected_profile} == expected_profile


def test_coercion_to_column_types_counts_misfits():
    columns = [Column("d", ("d",), D), Column("l", ("l",), L), Column("s", ("s",), S), Column("b", ("b",), B)]
    shaper = RecordShaper(columns)
    assert shaper.shape({"d": 3, "l": 4.0, "s": True, "b": False}) == {
        "d": 3.0,
        "l": 4,
        "s": "true",
        "b": False,
    }
    assert isinstance(shaper.shape({"d": 3})["d"], float)
    assert shaper.shape({"d": "x", "l": 2.5, "s": 12, "b": "yes"}) == {"s": "12"}
    assert shaper.misfits == {"d": 1, "l": 1, "b": 1}


def test_shaper_follows_paths_so_collisions_read_like_discover():
    schema = json_schema(
        infer_columns({}, [{"meta": {"device_timezone": "Europe/Paris", "device": {"timezone": 60}}}])
    )
    shaper = RecordShaper(columns_from_schema(schema))
    record = {"meta": {"device": {"timezone": -120}, "device_timezone": "UTC"}, "extra": 1}
    assert shaper.shape(record) == {"meta_device_timezone": -120, "meta_device_timezone__2": "UTC"}


def test_shaper_without_paths_falls_back_to_the_flatten_rule():
    shaper = RecordShaper([Column("meta_segments", None, S), Column("a_b", None, L)])
    assert shaper.shape({"meta": {"segments": ["x"]}, "a": {"b": 2}}) == {"meta_segments": '["x"]', "a_b": 2}


def test_operators_are_unwrapped_and_never_carry_token_fields():
    raw = {"type": "operator", "details": {"user_id": "u1", "email": "a@b.c", "identifier": "id", "key": "k"}}
    record = prepare(BY_NAME["operators"], raw, {}, "w1")
    assert record == {"type": "operator", "user_id": "u1", "email": "a@b.c", "website_id": "w1"}


def test_people_data_flattens_to_data_columns_with_parent_id():
    record = prepare(BY_NAME["people_data"], {"data": {"plan": "pro", "seats": 5}}, {"people_id": "p1"}, "w1")
    shaper = RecordShaper(columns_from_schema(json_schema(infer_columns(known_fields.PEOPLE_DATA, [record]))))
    assert shaper.shape(record) == {
        "data_plan": "pro",
        "data_seats": 5,
        "people_id": "p1",
        "website_id": "w1",
    }
