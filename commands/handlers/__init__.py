"""One handler per command. Importing this package registers them all."""

from commands.handlers import albums, people, photos, undo
from commands.handlers.context import HANDLERS, HandlerContext

__all__ = ["HANDLERS", "HandlerContext", "albums", "people", "photos", "undo"]
