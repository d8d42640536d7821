"""`open_store(settings)`: the one place that chooses the store — the embedded one (`store.Store`), or the one
shared through a Chroma server (`shared_store.SharedStore`) when `CHROMA_URL` is set. Kept apart from both so
neither imports the other's chooser."""

from __future__ import annotations

from assistant.config import Settings
from assistant.search.shared_store import SharedStore
from assistant.search.store import Store


def open_store(settings: Settings) -> Store:
    """The store for these settings: shared through the Chroma server when `CHROMA_URL` is set."""
    return SharedStore(settings) if settings.chroma_url else Store(settings)
