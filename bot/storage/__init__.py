"""Storage: models, queries and the batched write path, behind `Store`."""

from bot.storage._demands import StoredDemand
from bot.storage.batcher import EventBatcher
from bot.storage.db import make_engine
from bot.storage.store import Store

__all__ = ["EventBatcher", "Store", "StoredDemand", "make_engine"]
