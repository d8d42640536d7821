"""`Services`: what a request handler may need (settings, the answer core's dependencies, the database),
created once by the app's lifespan. It lives below the app and the channels so both can name it."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.config import Settings
from assistant.core.answer import Deps
from assistant.platform.db import Database


@dataclass
class Services:
    """Everything a request handler may need, created once in the lifespan."""

    settings: Settings
    deps: Deps
    db: Database
