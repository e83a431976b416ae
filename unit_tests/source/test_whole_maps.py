"""Maps whose keys are data (people data, conversation meta.data): a key the discovery sample did not show is
still emitted, in the JSON text of the whole map, next to the per-key columns of the keys it did show."""

from __future__ import annotations

import json

import pytest

from source_crisp.objects import BY_NAME, OBJECTS
from source_crisp.records import RecordShaper, prepare
from source_crisp.schema_inference import columns_from_schema, infer_columns, json_schema


def _shaper(name: str, samples: list[dict]) -> RecordShaper:
    obj = BY_NAME[name]
    schema = json_schema(infer_columns(obj.known_fields, samples))
    return RecordShaper(columns_from_schema(schema), obj.whole_maps)


def test_people_data_key_unseen_by_discovery_is_kept_in_the_data_column():
    obj = BY_NAME["people_data"]
    sampled = prepare(obj, {"data": {"plan": "pro"}}, {"people_id": "p1"}, "w1")
    shaper = _shaper("people_data", [sampled])
    later = prepare(obj, {"data": {"plan": "free", "renewal_at": "2027-01-01"}}, {"people_id": "p2"}, "w1")
    record = shaper.shape(later)
    assert record["data_plan"] == "free"
    assert "data_renewal_at" not in record  # not a column: discover never saw it
    assert json.loads(record["data"]) == {"plan": "free", "renewal_at": "2027-01-01"}


def test_conversation_meta_data_key_unseen_by_discovery_is_kept_in_meta_data():
    obj = BY_NAME["conversations"]
    sampled = prepare(obj, {"session_id": "s1", "meta": {"data": {"plan": "pro"}}}, {}, "w1")
    shaper = _shaper("conversations", [sampled])
    later = prepare(obj, {"session_id": "s2", "meta": {"data": {"plan": "pro", "order": 42}}}, {}, "w1")
    record = shaper.shape(later)
    assert record["meta_data_plan"] == "pro"
    assert json.loads(record["meta_data"]) == {"plan": "pro", "order": 42}


def test_whole_map_column_never_carries_credential_keys():
    obj = BY_NAME["people_data"]
    shaper = _shaper("people_data", [])
    record = shaper.shape(prepare(obj, {"data": {"plan": "pro", "api_key": "s3cr3t"}}, {}, "w1"))
    assert json.loads(record["data"]) == {"plan": "pro"}
    assert "s3cr3t" not in json.dumps(record)


def test_whole_map_column_name_is_injective_with_the_per_key_columns():
    # A literal key that flattens like another path must not take the whole map's column.
    obj = BY_NAME["people_data"]
    sampled = prepare(obj, {"data": {"plan": "pro"}, "data_plan": "literal"}, {}, "w1")
    schema = json_schema(infer_columns(obj.known_fields, [sampled]))
    paths = [tuple(prop["x-crisp-path"]) for prop in schema["properties"].values()]
    assert len(paths) == len(set(paths))
    assert ("data",) in paths
    assert schema["properties"]["data"]["x-crisp-path"] == ["data"]


def test_other_objects_at_a_column_path_are_not_turned_into_json():
    # A file message's `content` is an object: its fields are columns, `content` itself stays empty (the
    # destination reads `content` as the message text).
    obj = BY_NAME["conversation_messages"]
    shaper = _shaper("conversation_messages", [])
    record = shaper.shape(prepare(obj, {"type": "file", "content": {"name": "a.png", "url": "u"}}, {}, "w"))
    assert "content" not in record
    assert record["content_name"] == "a.png"


@pytest.mark.parametrize("obj", [obj for obj in OBJECTS if obj.whole_maps], ids=lambda obj: obj.name)
def test_every_whole_map_is_a_known_string_column(obj):
    for dotted in obj.whole_maps:
        assert obj.known_fields.get(dotted) is not None, f"{obj.name}: {dotted} not in known_fields"
