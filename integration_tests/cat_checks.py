"""The checks Airbyte's connector acceptance tests (CAT) make, as functions that list what is wrong.

Written from what CAT's test_core.py, test_full_refresh.py and test_incremental.py assert (airbytehq/airbyte,
airbyte-integrations/bases/connector-acceptance-test); CAT needs Docker, these run in-process. Each function
returns one readable line per problem, so a test asserts `== []` and a failure says what to fix.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import jsonschema
from airbyte_cdk.models import AirbyteMessage, AirbyteStreamStatus, Type

# Property names CAT expects to see flagged `airbyte_secret` when they can hold a string or a number.
SECRET_NAMES = frozenset({
    "client_token", "access_token", "api_token", "token", "secret", "client_secret", "password", "key",
    "service_account_info", "service_account", "tenant_id", "certificate", "jwt", "credentials", "app_id",
    "appid", "refresh_token",
})
# JSON-schema features the Airbyte UI cannot render in a spec.
FORBIDDEN_SPEC_KEYWORDS = frozenset({
    "not", "anyOf", "patternProperties", "prefixItems", "allOf", "if", "then", "else", "dependentSchemas",
    "dependentRequired",
})
SCALAR_TYPES = {"string", "integer", "number"}


# --- spec --------------------------------------------------------------------------------------------
def _schema_nodes(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every sub-schema of a JSON schema with its path; property *names* are never taken for keywords."""
    if not isinstance(node, dict):
        return
    yield path, node
    for name, child in (node.get("properties") or {}).items():
        yield from _schema_nodes(child, f"{path}/properties/{name}")
    if isinstance(node.get("items"), dict):
        yield from _schema_nodes(node["items"], f"{path}/items")
    for keyword in ("oneOf", "anyOf", "allOf"):
        for index, variant in enumerate(node.get(keyword) or []):
            yield from _schema_nodes(variant, f"{path}/{keyword}/{index}")


def spec_problems(connection_specification: Mapping[str, Any]) -> list[str]:
    """CAT's TestSpec lints, plus the renderer's needs: a title and a description on every property."""
    problems: list[str] = []
    for path, node in _schema_nodes(dict(connection_specification)):
        where = path or "<root>"
        types = node.get("type")
        if "$ref" in node:
            problems.append(f"{where}: unresolved $ref")
        for keyword in FORBIDDEN_SPEC_KEYWORDS & set(node):
            problems.append(f"{where}: `{keyword}` is not supported by the Airbyte UI")
        if "additionalProperties" in node and node["additionalProperties"] is not True:
            problems.append(f"{where}: additionalProperties must be true when set (backward compatibility)")
        if isinstance(types, list) and (len(types) > 2 or (len(types) == 2 and types[1] != "null")):
            problems.append(f"{where}: type must be one type, or one type then null, not {types}")
        if types == "object" and path and "oneOf" not in node and not node.get("properties"):
            problems.append(f"{where}: an object without properties cannot be rendered")
        if types == "array" and "items" in node:
            items = node["items"]
            if not isinstance(items, dict):
                problems.append(f"{where}: items must be one schema")
            elif items.get("type") not in ("object", *SCALAR_TYPES) and "enum" not in items:
                problems.append(f"{where}: items must be objects, strings, numbers or an enum")
        if "enum" in node and len(set(map(str, node["enum"]))) != len(node["enum"]):
            problems.append(f"{where}: enum values repeat")
        if "oneOf" in node:
            problems.extend(_one_of_problems(where, node))
        name = path.rsplit("/", 1)[-1]
        if path.split("/")[-2:-1] == ["properties"]:
            problems.extend(_property_problems(where, name, node))
    return problems


def _one_of_problems(where: str, node: Mapping[str, Any]) -> list[str]:
    variants = node["oneOf"]
    if node.get("type") != "object":
        return [f"{where}: a oneOf must sit on an object"]
    if not all("properties" in variant for variant in variants):
        return [f"{where}: every oneOf variant must have properties"]
    common = set.intersection(*(set(variant["properties"]) for variant in variants))
    constants = [p for p in common if all("const" in v["properties"][p] for v in variants)]
    if len(constants) != 1:
        return [f"{where}: oneOf variants need exactly one common property with a const, found {constants}"]
    marker = constants[0]
    return [
        f"{where}/oneOf/{index}: `{marker}` must use const, not default or enum"
        for index, variant in enumerate(variants)
        if {"default", "enum"} & set(variant["properties"][marker])
    ]


def _property_problems(where: str, name: str, node: Mapping[str, Any]) -> list[str]:
    # A oneOf's const marker is not shown as a field, so it needs no title; every other property does.
    labels = () if "const" in node else ("title", "description")
    problems = [f"{where}: no {field}" for field in labels if not node.get(field)]
    types = node.get("type")
    type_set = set(types) if isinstance(types, list) else {types}
    can_hold_secret = bool(type_set & SCALAR_TYPES) and "const" not in node
    secret = node.get("airbyte_secret", False)
    if name.lower() in SECRET_NAMES and can_hold_secret and not secret:
        problems.append(f"{where}: `{name}` looks like a secret and must set airbyte_secret")
    if secret and not can_hold_secret:
        problems.append(f"{where}: airbyte_secret on a property that cannot hold a secret")
    return problems


# --- records -----------------------------------------------------------------------------------------
def records_by_stream(messages: Iterable[AirbyteMessage]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for message in messages:
        if message.type == Type.RECORD:
            grouped[message.record.stream].append(message.record.data)
    return grouped


def record_schema_problems(
    records: Mapping[str, Sequence[Mapping[str, Any]]],
    schemas: Mapping[str, Mapping[str, Any]],
    *,
    fail_on_extra_columns: bool,
) -> list[str]:
    """Each record validates against its stream's schema; with fail_on_extra_columns, it has no column the
    schema does not declare. One line per stream and kind of problem, with a count and one example."""
    problems: list[str] = []
    for stream, stream_records in records.items():
        validator = jsonschema.Draft7Validator(schemas[stream], format_checker=jsonschema.FormatChecker())
        invalid = Counter()
        extra: Counter[str] = Counter()
        declared = set(schemas[stream].get("properties", {}))
        for record in stream_records:
            for error in validator.iter_errors(record):
                invalid[f"{'.'.join(map(str, error.path))}: {error.message}"] += 1
            extra.update(set(record) - declared)
        problems += [f"{stream}: {n} record(s) with {error}" for error, n in invalid.most_common(3)]
        if fail_on_extra_columns and extra:
            problems.append(f"{stream}: columns not in the schema: {sorted(extra)}")
    return problems


def primary_key_values(record: Mapping[str, Any], primary_key: Sequence[Sequence[str]]) -> tuple:
    values = []
    for path in primary_key:
        value: Any = record
        for part in path:
            value = value.get(part) if isinstance(value, Mapping) else None
        values.append(value)
    return tuple(values)


def primary_key_problems(
    records: Mapping[str, Sequence[Mapping[str, Any]]],
    primary_keys: Mapping[str, Sequence[Sequence[str]]],
    *,
    unique: bool,
) -> list[str]:
    """No primary key part is null, a list or an object; with unique, no key repeats (a full refresh)."""
    problems: list[str] = []
    for stream, stream_records in records.items():
        keys = [primary_key_values(record, primary_keys[stream]) for record in stream_records]
        bad = [key for key in keys if any(value is None or isinstance(value, list | dict) for value in key)]
        if bad:
            problems.append(f"{stream}: {len(bad)} record(s) with a null or non-scalar key, e.g. {bad[0]}")
        repeated = [key for key, n in Counter(keys).items() if n > 1]
        if unique and repeated:
            problems.append(f"{stream}: {len(repeated)} primary key(s) emitted twice, e.g. {repeated[0]}")
    return problems


def expected_records_problems(
    actual: Mapping[str, Sequence[Mapping[str, Any]]],
    expected: Mapping[str, Sequence[Mapping[str, Any]]],
    primary_keys: Mapping[str, Sequence[Sequence[str]]],
) -> list[str]:
    """Every expected record is read (matched by primary key, as CAT does for streams with one), with the
    values it lists; extra records and extra columns are allowed."""
    problems: list[str] = []
    for stream, wanted in expected.items():
        by_key = {primary_key_values(r, primary_keys[stream]): r for r in actual.get(stream, [])}
        for record in wanted:
            key = primary_key_values(record, primary_keys[stream])
            found = by_key.get(key)
            if found is None:
                problems.append(f"{stream}: expected record {key} was not read")
                continue
            differing = {column: (value, found.get(column)) for column, value in record.items()
                         if found.get(column) != value}
            if differing:
                problems.append(f"{stream} {key}: expected vs read {differing}")
    return problems


# --- state and statuses --------------------------------------------------------------------------------
def state_problems(messages: Sequence[AirbyteMessage], streams: Iterable[str]) -> list[str]:
    """Each stream ends with a per-stream STATE whose sourceStats.recordCount add up to its records."""
    problems: list[str] = []
    for stream in streams:
        records = 0
        counted = 0.0
        last_type = None
        for message in messages:
            if message.type == Type.RECORD and message.record.stream == stream:
                records += 1
                last_type = Type.RECORD
            elif message.type == Type.STATE and message.state.stream.stream_descriptor.name == stream:
                if message.state.type.value != "STREAM":
                    problems.append(f"{stream}: a {message.state.type.value} state (per-stream expected)")
                if message.state.sourceStats is None or message.state.sourceStats.recordCount is None:
                    problems.append(f"{stream}: a STATE without sourceStats.recordCount")
                else:
                    counted += message.state.sourceStats.recordCount
                last_type = Type.STATE
        if last_type is None:
            problems.append(f"{stream}: no STATE message")
        elif last_type != Type.STATE:
            problems.append(f"{stream}: records after its last STATE")
        if counted != records:
            problems.append(f"{stream}: its STATE messages count {counted:g} records, it emitted {records}")
    return problems


def stream_status_problems(statuses: Mapping[str, Sequence[AirbyteStreamStatus]]) -> list[str]:
    """STARTED, then RUNNING (once or more, for a stream with records), then COMPLETE."""
    problems = []
    for stream, seen in statuses.items():
        middle = seen[1:-1]
        if (
            len(seen) < 3
            or seen[0] != AirbyteStreamStatus.STARTED
            or seen[-1] != AirbyteStreamStatus.COMPLETE
            or any(status != AirbyteStreamStatus.RUNNING for status in middle)
        ):
            problems.append(f"{stream}: statuses {[status.value for status in seen]}")
    return problems
