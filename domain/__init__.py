"""The gallery's domain: albums and photos as event-sourced aggregates. No I/O here."""

from domain.album import Album
from domain.errors import DomainError
from domain.photo import Photo

__all__ = ["Album", "DomainError", "Photo"]
