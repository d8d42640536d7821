"""`Services`: what a request handler may need (settings, the answer core's dependencies, the database),
created once by the app's lifespan. It lives below the app and the channels so both can name it."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.config import Settings
from assistant.core.answer import Deps
from assistant.models import Answer
from assistant.platform.db import Database
from assistant.platform.lru import LruCache

ANSWER_CACHE_SIZE = 1024  # first questions of conversations; an entry: one answer, its 8 retrieved chunks


@dataclass
class Services:
    """Everything a request handler may need, created once in the lifespan."""

    settings: Settings
    deps: Deps
    db: Database
    # (deps, answer) by (id(deps), index generation, day, question): see `assistant.channels.turn`
    answers: LruCache[tuple[Deps, Answer]] = field(default_factory=lambda: LruCache(ANSWER_CACHE_SIZE))
