"""A fixed pool of daemon threads that take work from one queue."""

import queue
import threading
import traceback
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class Pool(Generic[T]):
    """Pool runs job(item) for every item put, on one of its threads.

    Items wait in an unbounded queue.Queue while every thread is busy.
    The threads are daemons: a stop signal ends the process without
    waiting for them, even while they block in a read or a sleep.
    """

    def __init__(self, threads: int, name: str,
                 job: Callable[[T], None]) -> None:
        self._items: "queue.Queue[T]" = queue.Queue()
        self._job = job
        for i in range(threads):
            threading.Thread(target=self._run, name=f"{name}-{i}",
                             daemon=True).start()

    def put(self, item: T) -> None:
        """Queue item for the next free thread."""
        self._items.put(item)

    def _run(self) -> None:
        """Run jobs forever; a job's bug is printed, not fatal."""
        while True:
            item = self._items.get()
            try:
                self._job(item)
            except Exception:  # a bug: say so, keep the thread
                traceback.print_exc()
            del item  # drop the reference while idle
