"""The cyclic garbage collector's settings for Cairn's long-running processes: gunicorn's
workers (`cairn.serving`) and Celery's (`cairn.celery_worker`).

Their work makes many short-lived objects at once (a batch of 1,000 actions, the
assertions and credentials of a milestone reached by thousands), and with Python's
default threshold (a collection every 700 new container objects) the collector took 10%
of the CPU of evaluating 2,000 people's pathways: over a thousand young collections, each
promoting the batch's live objects, and full ones walking the whole application's
objects again. After startup those objects are frozen (never collected: they live as long
as the process) and young collections wait for 20,000 new objects: the collector then
took under 1%.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 20_000


def tune_garbage_collector() -> None:
    """Freeze what startup made and collect young objects less often; for a process that
    has loaded its application."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
