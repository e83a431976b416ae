"""Body fields described as data, and one parser that turns a JSON body into clean column values.

Validation messages follow the Rails wording the docs show ("Title can't be blank").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import invalid

SCALARS = (str, int, float, bool)


@dataclass(frozen=True)
class Field:
    name: str
    kind: str = "text"  # text | int | time | email | scalars | choice
    required: bool = False
    choices: tuple[str, ...] = ()
    default: Any = None
    unique: bool = False  # within the app: "<Label> has already been taken"
    references: str | None = None  # a table whose row (same app) this id must name: "<Label> must exist"

    @property
    def label(self) -> str:
        # Rails humanize: "category_id" -> "Category", "created_at" -> "Created at"
        base = (
            self.name.removesuffix("_id")
            if self.name.endswith("_id") and self.name != "external_id"
            else self.name
        )
        return base.replace("_", " ").capitalize()


def now_iso() -> str:
    return format_time(datetime.now(UTC))


def format_time(moment: datetime) -> str:
    """UTC with milliseconds: a fixed width, so text order is time order in SQLite."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(value: str) -> str | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return format_time(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check(spec: Field, value: Any) -> tuple[Any, str | None]:
    """One value -> (clean value, problem or None). None passes every kind: it clears the column."""
    if value is None:
        return None, None
    kind = spec.kind
    if kind in ("text", "email", "choice"):
        if not isinstance(value, str):
            return None, f"{spec.label} must be a string"
        if kind == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+", value.strip()):
            return None, f"{spec.label} is invalid"
        if kind == "choice" and value not in spec.choices:
            return None, f"{spec.label} must be one of {', '.join(spec.choices)}"
        return value.strip() if kind == "email" else value, None
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return None, f"{spec.label} must be an integer"
        if not -(2**63) <= value < 2**63:  # as a real API's 64-bit column: refused, not a 500
            return None, f"{spec.label} must be a 64-bit integer"
        return value, None
    if kind == "time":
        parsed = parse_time(value) if isinstance(value, str) else None
        return parsed, None if parsed else f"{spec.label} must be an ISO-8601 time"
    if kind == "scalars":
        if not isinstance(value, dict):
            return None, f"{spec.label} must be an object"
        if any(item is not None and not isinstance(item, SCALARS) for item in value.values()):
            return None, f"{spec.label} values must be strings, numbers or booleans"
        return value, None
    raise ValueError(f"unknown field kind {kind!r}")


def parse_body(body: dict, specs: tuple[Field, ...], *, partial: bool = False) -> dict:
    """Clean values for the fields present (all fields with defaults when creating); 422 lists every problem.

    `partial` is PATCH: fields not sent stay untouched, and only a sent blank required field is an error.
    """
    values: dict = {}
    problems: list[str] = []
    for spec in specs:
        present = spec.name in body
        raw = body.get(spec.name, None if partial else spec.default)
        if spec.required and _is_blank(raw) and (present or not partial):
            problems.append(f"{spec.label} can't be blank")
            continue
        if not present and partial:
            continue
        clean, problem = _check(spec, raw)
        if problem:
            problems.append(problem)
        else:
            values[spec.name] = clean
    if problems:
        raise invalid(problems)
    return values
