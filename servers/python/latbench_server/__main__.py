"""Entry point: python -m latbench_server --mode MODE --listen HOST:PORT.

Exit codes: 0 after --help or a stop signal, 1 for runtime errors (such
as a port in use), 2 for usage errors, TLS files included (one that does
not read, or a key that does not match the certificate).
"""

import gc
import resource
import signal
import socket
import sys
from typing import List, Optional, Sequence

from .blocking import server as blocking_server
from .cli import (Config, HelpRequested, UsageError, help_text, join_host_port,
                  parse_args)
from .conns import Connections
from .serve import (log, listen_sockets, pick_runner, protocol_factory,
                    serve)
from .tls import HTTP_ALPN, KeyPair, TlsError, load_pair, server_context
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
    pair = None
    if cfg.tls_cert is not None and cfg.tls_key is not None:
        try:
            pair = load_pair(cfg.tls_cert, cfg.tls_key)
        except TlsError as e:
            log(str(e))
            return EXIT_USAGE
    # Block the stop signals until a loop (or the supervisor) handles them.
    signal.pthread_sigmask(signal.SIG_BLOCK, SUPERVISOR_SIGNALS)
    _raise_fd_limit()
    return run(cfg, pair)


def run(cfg: Config, pair: Optional[KeyPair] = None) -> int:
    """Listen, log the start line and serve until a stop signal; pair is
    the checked TLS certificate and key, if any."""
    if cfg.io == "blocking":
        return run_blocking(cfg)
    if cfg.mode == "grpc":
        # grpc is imported there only: worker processes must not inherit
        # its threads.
        from .grpcserver import run_grpc
        return run_grpc(cfg, pair)
    return run_async(cfg, pair)


def run_async(cfg: Config, pair: Optional[KeyPair] = None) -> int:
    """Serve cfg in the async form: --threads processes, each with an
    event loop."""
    runner, loop_name = pick_runner()
    conns = Connections()
    try:
        factory = protocol_factory(cfg, conns)
    except (OSError, ValueError) as e:
        log(f"backend {cfg.backend}: {e}")
        return EXIT_RUNTIME
    ctx = None
    if pair is not None:
        ctx = server_context(pair, HTTP_ALPN if cfg.mode == "http" else None)
    socks = _listen(cfg, cfg.threads)
    if not socks:
        return EXIT_RUNTIME
    log(f"mode={cfg.mode} io=async listen={_address(socks[0])} "
        f"threads={cfg.threads} loop={loop_name} "
        f"tls={'on' if ctx else 'off'}")
    # Startup objects live forever: keep them out of the cyclic GC's scans.
    gc.freeze()
    if len(socks) == 1:
        return serve(socks[0], factory, conns, runner, ctx)
    return run_workers(socks,
                       lambda s: serve(s, factory, conns, runner, ctx))


def run_blocking(cfg: Config) -> int:
    """Serve cfg in the blocking form: one process, --workers threads."""
    try:
        handler = blocking_server.connection_handler(cfg)
    except (OSError, ValueError) as e:
        log(f"backend {cfg.backend}: {e}")
        return EXIT_RUNTIME
    socks = _listen(cfg, 1)
    if not socks:
        return EXIT_RUNTIME
    log(f"mode={cfg.mode} io=blocking workers={cfg.workers} "
        f"listen={_address(socks[0])} tls=off")
    gc.freeze()
    return blocking_server.serve(socks[0], handler, cfg.workers)


def _listen(cfg: Config, count: int) -> List[socket.socket]:
    """Return count sockets listening on cfg.listen, or none after
    logging why."""
    try:
        return listen_sockets(cfg.listen, count)
    except (OSError, ValueError) as e:
        log(f"listen tcp {cfg.listen}: {e}")
        return []


def _address(sock: socket.socket) -> str:
    """Return the HOST:PORT sock listens on."""
    host, port = sock.getsockname()[:2]
    return join_host_port(host, port)


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
