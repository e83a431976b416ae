"""source-crisp: the Crisp REST API v1 as Airbyte streams."""

from source_crisp.source import SourceCrisp

__all__ = ["SourceCrisp"]
