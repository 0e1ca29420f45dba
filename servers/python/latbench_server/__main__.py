"""Entry point: python -m latbench_server --mode MODE --listen HOST:PORT.

Exit codes: 0 after --help or a stop signal, 1 for runtime errors (such
as a port in use), 2 for usage errors.
"""

import gc
import resource
import signal
import sys
from typing import Optional, Sequence

from .cli import (Config, HelpRequested, UsageError, help_text, join_host_port,
                  parse_args)
from .conns import Connections
from .serve import (log, listen_sockets, pick_runner, protocol_factory,
                    serve)
from .workers import SUPERVISOR_SIGNALS, run_workers

EXIT_OK = 0
EXIT_RUNTIME = 1
EXIT_USAGE = 2


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the server with argv (default: sys.argv[1:]); return the exit
    code."""
    try:
        cfg = parse_args(sys.argv[1:] if argv is None else argv)
    except HelpRequested:
        return EXIT_OK
    except UsageError as e:
        log(str(e))
        sys.stderr.write(help_text())
        return EXIT_USAGE
    # Block the stop signals until a loop (or the supervisor) handles them.
    signal.pthread_sigmask(signal.SIG_BLOCK, SUPERVISOR_SIGNALS)
    _raise_fd_limit()
    return run(cfg)


def run(cfg: Config) -> int:
    """Listen, log the start line and serve until a stop signal."""
    runner, loop_name = pick_runner()
    conns = Connections()
    try:
        factory = protocol_factory(cfg, conns)
    except (OSError, ValueError) as e:
        log(f"backend {cfg.backend}: {e}")
        return EXIT_RUNTIME
    try:
        socks = listen_sockets(cfg.listen, cfg.threads)
    except (OSError, ValueError) as e:
        log(f"listen tcp {cfg.listen}: {e}")
        return EXIT_RUNTIME
    host, port = socks[0].getsockname()[:2]
    log(f"mode={cfg.mode} listen={join_host_port(host, port)} "
        f"threads={cfg.threads} loop={loop_name}")
    # Startup objects live forever: keep them out of the cyclic GC's scans.
    gc.freeze()
    if len(socks) == 1:
        return serve(socks[0], factory, conns, runner)
    return run_workers(socks, lambda s: serve(s, factory, conns, runner))


def _raise_fd_limit() -> None:
    """Raise the soft open-files limit to the hard one, as Go does, so
    thousands of connections fit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (OSError, ValueError):
            pass


if __name__ == "__main__":
    sys.exit(main())
