"""Worker processes for --threads N > 1.

One Python process runs on one core, so N workers are N processes, each
serving its own SO_REUSEPORT socket. The parent only supervises: it
forwards SIGTERM/SIGINT to the workers, waits for them (SIGKILL after
STOP_GRACE_S) and exits 0. If a worker dies on its own, the parent stops
the others and exits 1. Workers die with the parent (PR_SET_PDEATHSIG).
"""

import ctypes
import os
import signal
import socket
import sys
import time
import traceback
from typing import Callable, List, NoReturn, Optional, Set, Tuple

from .serve import log

STOP_GRACE_S = 1.5
"""STOP_GRACE_S is how long workers may take to exit after a stop signal;
the contract gives the whole server 2 s."""

SUPERVISOR_SIGNALS = {signal.SIGTERM, signal.SIGINT, signal.SIGCHLD}
_PR_SET_PDEATHSIG = 1

# ServeFunc serves one listening socket and returns the exit code.
ServeFunc = Callable[[socket.socket], int]
# ReadyFunc waits in the parent until the workers (their pids) serve;
# False means they do not (it logged why).
ReadyFunc = Callable[[Set[int]], bool]


def run_workers(socks: List[socket.socket], serve: ServeFunc,
                ready: Optional[ReadyFunc] = None) -> int:
    """Fork one worker per socket, supervise them and return the exit code.

    SUPERVISOR_SIGNALS must be blocked; workers inherit that mask and
    serve unblocks the stop signals once its loop handles them. If ready
    is given, the parent calls it once the workers are forked (and the
    sockets closed) and stops them if it returns False.
    """
    parent = os.getpid()
    pids: Set[int] = set()
    for sock in socks:
        try:
            pid = os.fork()
        except OSError as e:
            log(f"fork a worker: {e}")
            stop_workers(pids, signal.SIGTERM)
            return 1
        if pid == 0:
            _worker(sock, socks, serve, parent)
        pids.add(pid)
    for sock in socks:
        sock.close()
    if ready is not None and not ready(pids):
        stop_workers(pids, signal.SIGTERM)
        return 1
    return supervise(pids)


def _worker(sock: socket.socket, socks: List[socket.socket],
            serve: ServeFunc, parent: int) -> NoReturn:
    """Run in a forked worker: serve sock, then exit without returning."""
    code = 1
    try:
        _die_with_parent()
        for other in socks:
            if other is not sock:
                other.close()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        # If the parent died before prctl, nobody would stop this worker.
        code = serve(sock) if os.getppid() == parent else 0
    except BaseException:  # a worker must never fall back into the parent
        traceback.print_exc()
    finally:
        sys.stderr.flush()
        os._exit(code)


def _die_with_parent() -> None:
    """Ask Linux to send SIGTERM to this process when its parent dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux; the harness kills the process group anyway


def supervise(pids: Set[int]) -> int:
    """Wait for a stop signal or a worker's death; return the exit code."""
    while True:
        info = signal.sigwaitinfo(SUPERVISOR_SIGNALS)
        if info.si_signo != signal.SIGCHLD:
            stop_workers(pids, info.si_signo)
            return 0
        for pid, status in reap(pids):
            log(f"worker {pid} exited ({_describe(status)}); stopping")
            stop_workers(pids, signal.SIGTERM)
            return 1


def stop_workers(pids: Set[int], sig: int) -> None:
    """Send sig to the live workers and reap them, killing stragglers
    after STOP_GRACE_S."""
    for pid in pids:
        _kill(pid, sig)
    deadline = time.monotonic() + STOP_GRACE_S
    while pids:
        reap(pids)
        left = deadline - time.monotonic()
        if not pids or left <= 0:
            break
        signal.sigtimedwait({signal.SIGCHLD}, min(left, 0.05))
    for pid in pids:
        _kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    pids.clear()


def reap(pids: Set[int]) -> List[Tuple[int, int]]:
    """Reap the workers that exited; remove them from pids and return
    (pid, wait status) pairs."""
    dead = []
    for pid in list(pids):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            pids.discard(pid)
            dead.append((pid, status))
    return dead


def _kill(pid: int, sig: int) -> None:
    """Send sig to pid, ignoring a process that is already gone."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _describe(status: int) -> str:
    """Describe a wait status for the log."""
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"status {os.waitstatus_to_exitcode(status)}"
