"""Keeping the process lean and its pauses short: what start-up built is frozen out of the collector's way."""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_startup_objects() -> int:
    """Collect once, then move every object alive now (modules, classes, cogs, caches built at start-up)
    into the collector's permanent generation, so later full collections scan only what came after.

    Measured in bench/interactions.py: a full collection of the started bot walked ~130,000 objects and
    took 70-200 ms on the 2-core bench machine, all of it a pause of the event loop, which showed as the
    p99 of slash commands answered while check-backs drained. Returns the number of objects frozen."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.debug("froze %d start-up objects out of the garbage collector's scans", frozen)
    return frozen
