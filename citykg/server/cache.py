"""A small LRU cache of finished responses, bounded by entries and bytes (keys included).

The data does not change while serving (an update clears the cache), so a query's answer depends only
on its text, its dataset parameters and the format: repeated queries are answered from memory.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


def key_size(key: object) -> int:
    """Bytes a cache key holds (texts count in full: a key can carry a 1 MiB query), roughly. A loop, not a
    recursive generator: every answer that is kept pays it."""
    total = 0
    todo = [key]
    while todo:
        item = todo.pop()
        if isinstance(item, (str, bytes)):
            total += len(item) + 50
        elif isinstance(item, (tuple, list, frozenset, set)):
            total += 56
            todo.extend(item)
        else:
            total += 32
    return total


class LRU:
    def __init__(self, max_entries: int = 2048, max_bytes: int = 64 * 1024 * 1024, max_entry: int = 4 * 1024 * 1024):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_entry = max_entry
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any | None:
        item = self._items.get(key)
        if item is None:
            self.misses += 1
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return item[0]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        if size > self.max_entry or self.max_entries <= 0:
            return
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= old[1]
        self._items[key] = (value, size)
        self.bytes += size
        while len(self._items) > self.max_entries or self.bytes > self.max_bytes:
            _, (_, dropped) = self._items.popitem(last=False)
            self.bytes -= dropped

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)
