"""Column naming is injective over anything a record can contain; credential-looking paths are never emitted,
at any depth; nesting deeper than any Crisp object is bounded instead of exhausting the stack."""

from __future__ import annotations

import json
import random
import sys
from types import MappingProxyType

import pytest
from airbyte_cdk.test.entrypoint_wrapper import read

from source_crisp import SourceCrisp
from source_crisp.client import Backoff
from source_crisp.flatten import (
    MAX_DEPTH,
    MAX_JSON_DEPTH,
    column_names,
    flatten,
    is_credential,
    json_leaf,
    leaves,
)
from source_crisp.records import RecordShaper
from source_crisp.schema_inference import Column, infer_columns
from source_crisp.types import MISFIT, ColumnType
from testing.source_builders import catalog_of, config, envelope, url


def test_a_generated_suffix_never_takes_a_literal_keys_name():
    record = {"meta": {"data": {"a_b": 1, "a_b__2": 2}, "data_a_b": 3}}
    assert flatten(record) == {"meta_data_a_b": 1, "meta_data_a_b__2": 2, "meta_data_a_b__3": 3}


SEGMENTS = ["a", "b", "a_b", "b_a", "_", "", "2", "__2", "a__2", "b__3", "a_b__2"]


def random_record(rng: random.Random, depth: int = 0) -> dict:
    record: dict = {}
    for _ in range(rng.randint(1, 4)):
        key = rng.choice(SEGMENTS)
        record[key] = random_record(rng, depth + 1) if depth < 3 and rng.random() < 0.5 else rng.random()
    return record


@pytest.mark.parametrize("seed", range(200))
def test_property_every_leaf_of_any_record_gets_its_own_column(seed):
    rng = random.Random(seed)
    record = random_record(rng)
    values = dict(leaves(record))
    names = column_names(values)
    assert len(set(names.values())) == len(values)  # injective: no value can be lost
    assert sorted(map(repr, flatten(record).values())) == sorted(map(repr, values.values()))
    shuffled = list(values)
    rng.shuffle(shuffled)
    assert column_names(shuffled) == names  # the same names whatever the key order
    for plain in {"_".join(path) for path in values}:  # the documented winner keeps the plain name
        rivals = sorted((p for p in values if "_".join(p) == plain), key=lambda p: (-len(p), ".".join(p)))
        assert names[rivals[0]] == plain


@pytest.mark.parametrize(
    "path",
    [
        ("token", "key"),
        ("details", "token", "key"),
        ("api_key",),
        ("apiKey",),
        ("secretKey",),
        ("key",),
        ("meta", "data", "password"),
        ("auth_token",),
        ("refresh_tokens",),
        ("x", "client_secret"),
        ("Authorization",),
        ("credentials", "user"),
    ],
)
def test_credential_looking_paths_are_recognised_at_any_depth(path):
    assert is_credential(path)


@pytest.mark.parametrize(
    "path",
    [("has_token",), ("is_password_set",), ("keywords",), ("session_id",), ("fingerprint",), ("monkey_ids",)],
)
def test_ordinary_fields_are_not_credentials(path):
    assert not is_credential(path)


def test_credential_keys_vanish_from_columns_and_from_json_text():
    record = {
        "user_id": "u1",
        "token": {"key": "SECRET-1", "identifier": "i"},
        "api_key": "SECRET-2",
        "has_token": True,
        "meta": {"secretKey": "SECRET-3", "items": [{"password": "SECRET-4", "name": "n"}]},
    }
    flat = flatten(record)
    assert flat == {"user_id": "u1", "has_token": True, "meta_items": '[{"name":"n"}]'}
    columns = infer_columns({}, [record])
    shaped = RecordShaper(columns).shape(record)
    assert "SECRET" not in repr(shaped)


def test_a_catalog_naming_a_credential_column_still_gets_nothing():
    columns = [
        Column("token_key", ("token", "key"), ColumnType.STRING),
        Column("api_key", None, ColumnType.STRING),
        Column("user_id", ("user_id",), ColumnType.STRING),
    ]
    shaped = RecordShaper(columns).shape({"user_id": "u1", "token": {"key": "SECRET"}, "api_key": "SECRET"})
    assert shaped == {"user_id": "u1"}


def test_no_stream_emits_nested_operator_tokens(requests_mock):
    operators = [
        {
            "type": "operator",
            "details": {
                "user_id": "u1",
                "email": "a@b.c",
                "identifier": "SECRET-ID",
                "key": "SECRET-KEY",
                "token": {"key": "SECRET-NESTED", "identifier": "SECRET-NESTED-ID"},
                "api_key": "SECRET-API",
            },
        }
    ]
    requests_mock.get(url("operators/list"), status_code=200, json=envelope(operators))
    output = read(SourceCrisp(backoff=Backoff.immediate()), config(), catalog_of("operators"))
    [record] = [message.record.data for message in output.records]
    assert record["user_id"] == "u1"
    assert "SECRET" not in repr(record)
    assert not any("token" in column or "key" in column for column in record)


def nested(depth: int, leaf: object = 1) -> dict:
    record: object = leaf
    for _ in range(depth):
        record = {"n": record}
    return record  # type: ignore[return-value]


def test_nesting_deeper_than_any_crisp_object_becomes_json_text_at_the_cap():
    record = nested(MAX_DEPTH + 3, leaf="deep")
    [(path, value)] = list(leaves(record))
    assert len(path) == MAX_DEPTH
    assert value == '{"n":{"n":{"n":"deep"}}}'
    shaped = RecordShaper(infer_columns({}, [record])).shape(record)
    assert shaped == {"_".join(path): value}


def test_nesting_near_the_recursion_limit_is_a_counted_null_not_a_crash():
    depth = sys.getrecursionlimit() - 20  # ~980: what the Crisp JSON decoder still accepts
    record = {"session_id": "s1", "meta": nested(depth)}
    shaper = RecordShaper(infer_columns({}, [record]))
    shaped = shaper.shape(record)
    assert shaped == {"session_id": "s1"}
    assert sum(shaper.misfits.values()) == 1


def test_key_as_data_maps_kept_as_json_text_lose_their_credential_keys_too():
    from source_crisp.objects import BY_NAME
    from source_crisp.records import prepare

    message = {"fingerprint": 1, "properties": {"api_key": "SECRET", "plan": "pro"}}
    record = prepare(BY_NAME["conversation_messages"], message, {"session_id": "s1"}, "w")
    assert record["properties"] == '{"plan":"pro"}'


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ([[{"a": {"token": "SECRET", "b": 1}}], "x"], '[[{"a":{"b":1}}],"x"]'),  # lists in lists, any depth
        ({1: "one", "password": "SECRET", "é": "ü"}, '{"1":"one","é":"ü"}'),  # non-text keys as text
        ([MappingProxyType({"secret": "SECRET", "ok": 2})], '[{"ok":2}]'),  # any mapping, not only dicts
        ({"plan": "pro", "seats": [1, 2.5, True, None]}, '{"plan":"pro","seats":[1,2.5,true,null]}'),
    ],
)
def test_json_text_leaves_are_compact_and_scrubbed_whatever_the_value_holds(value, text):
    assert json_leaf(value) == text


def test_json_text_deeper_than_its_cap_is_a_misfit_even_inside_lists():
    assert json_leaf([nested(MAX_JSON_DEPTH)]) is MISFIT
    assert json.loads(json_leaf([nested(MAX_JSON_DEPTH - 2)])) == [nested(MAX_JSON_DEPTH - 2)]
