"""Crisp's route templates filled in for one website: the only place a path is built from values.

Every value goes in quoted as one path segment, so an id holding '/' or '?' can never reach another route.
The reader, the enricher and the parent check each get this object (not each other) to build their paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote


class Routes:
    def __init__(self, website_id: str) -> None:
        self.website_id = website_id

    def path(self, template: str, values: Mapping[str, Any], page: int | None = None) -> str:
        quoted = {name: quote(str(value), safe="") for name, value in values.items()}
        return template.format(**quoted, website_id=self.website_id, page=page)
