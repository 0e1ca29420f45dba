"""Makes the latbench_server package importable from servers/python and
gives the real-socket tests their server fixture."""

import os
import sys
from typing import Callable, Iterator, List

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from helpers import Server  # noqa: E402  (pytest puts tests/ on the path)


@pytest.fixture
def server() -> Iterator[Callable[..., Server]]:
    """Start servers with the given flags; kill what is left at the end."""
    started: List[Server] = []

    def start(*flags: str) -> Server:
        s = Server(list(flags))
        started.append(s)
        return s

    yield start
    for s in started:
        s.kill()
        s.close()
