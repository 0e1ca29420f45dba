"""Command-line parsing of latbench-server-python (pure, no I/O but stderr).

The flags follow the latbench server contract:

    --mode echo|http|proxy|grpc --listen HOST:PORT
    [--backend HOST:PORT] [--threads N] [--io async|blocking] [--workers N]
    [--tls-cert FILE --tls-key FILE]

Only the flags are checked here; whether the TLS files read and match is
checked by the tls module when the server starts.
"""

import argparse
import os
import sys
from dataclasses import dataclass
from typing import Callable, NoReturn, Optional, Sequence, Tuple

from . import PROG

USAGE = (
    f"{PROG} --mode echo|http|proxy|grpc --listen HOST:PORT "
    "[--backend HOST:PORT] [--threads N] [--io async|blocking] "
    "[--workers N] [--tls-cert FILE --tls-key FILE]"
)
MODES = ("echo", "http", "proxy", "grpc")
TLS_MODES = ("echo", "http", "grpc")
"""TLS_MODES are the modes that take --tls-cert and --tls-key."""
IO_FORMS = ("async", "blocking")
DEFAULT_WORKERS = 8


class UsageError(Exception):
    """UsageError reports a bad command line; the process exits 2."""


class HelpRequested(Exception):
    """HelpRequested is raised after --help printed the usage; exit 0."""


@dataclass(frozen=True)
class Config:
    """Config is the validated command line."""

    mode: str
    listen: str
    backend: str
    threads: int
    io: str = "async"
    workers: int = DEFAULT_WORKERS
    tls_cert: Optional[str] = None
    tls_key: Optional[str] = None

    @property
    def tls(self) -> bool:
        """Whether the listener speaks TLS."""
        return self.tls_cert is not None


class _Parser(argparse.ArgumentParser):
    """_Parser raises UsageError instead of exiting."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def default_threads() -> int:
    """Return the number of CPUs this process may run on (its affinity)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _new_parser() -> _Parser:
    """Return the argument parser of the server."""
    p = _Parser(prog=PROG, usage=USAGE, allow_abbrev=False, add_help=False,
                description="Reference server of the latbench benchmark.",
                epilog="Modes: echo writes every byte back; http serves "
                       "GET /bytes/N, /delay/D/bytes/N and /health over "
                       "HTTP/1.1 and HTTP/2 (h2c with prior knowledge on "
                       "plain TCP, ALPN h2 or http/1.1 over TLS); proxy "
                       "relays every connection to --backend; grpc serves "
                       "latbench.echo.v1.Echo (Unary and Stream) with "
                       "grpcio's asyncio server, on h2c or, with TLS, h2. "
                       "With --threads N > 1 every mode, grpc included, "
                       "runs N processes that share the port through "
                       "SO_REUSEPORT.")
    p.add_argument("-h", "--help", action="store_true",
                   help="print this help and exit")
    p.add_argument("--mode", default="", metavar="MODE",
                   help="server mode: echo, http, proxy or grpc")
    p.add_argument("--listen", default="", metavar="HOST:PORT",
                   help="address to listen on")
    p.add_argument("--backend", default="", metavar="HOST:PORT",
                   help="backend address for proxy mode")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="worker processes sharing the port (default: CPUs in "
                        "the affinity mask); async form only, ignored with "
                        "--io blocking")
    p.add_argument("--io", default="async", metavar="FORM",
                   help="I/O form: async (asyncio event loop, the default) "
                        "or blocking (one process, --workers threads, each "
                        "serving one connection at a time)")
    p.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                   metavar="N",
                   help="threads serving connections with --io blocking "
                        f"(default {DEFAULT_WORKERS}); ignored with --io "
                        "async")
    p.add_argument("--tls-cert", default=None, metavar="FILE",
                   help="PEM certificate (chain) of the listener: with "
                        "--tls-key it speaks TLS 1.2 and 1.3; echo, http "
                        "and grpc only, async form only")
    p.add_argument("--tls-key", default=None, metavar="FILE",
                   help="PEM private key of --tls-cert (unencrypted); the "
                        "two go together")
    return p


def parse_args(argv: Sequence[str],
               cpus: Callable[[], int] = default_threads) -> Config:
    """Parse and validate argv (without the program name).

    It raises UsageError for a bad command line and HelpRequested after
    printing the help on stderr for --help; cpus gives the default of
    --threads.
    """
    parser = _new_parser()
    ns = parser.parse_args(list(argv))
    if ns.help:
        parser.print_help(sys.stderr)
        raise HelpRequested()
    threads = ns.threads if ns.threads is not None else cpus()
    cfg = Config(mode=ns.mode, listen=ns.listen, backend=ns.backend,
                 threads=threads, io=ns.io, workers=ns.workers,
                 tls_cert=ns.tls_cert, tls_key=ns.tls_key)
    validate(cfg)
    return cfg


def validate(cfg: Config) -> None:
    """Raise UsageError if the flag combination of cfg is invalid."""
    if cfg.mode not in MODES:
        raise UsageError(
            f"--mode must be echo, http, proxy or grpc, got {cfg.mode!r}")
    if not cfg.listen:
        raise UsageError("--listen HOST:PORT is required")
    if cfg.mode == "proxy" and not cfg.backend:
        raise UsageError("--backend HOST:PORT is required in proxy mode")
    if cfg.threads < 1:
        raise UsageError(f"--threads must be at least 1, got {cfg.threads}")
    if cfg.io not in IO_FORMS:
        raise UsageError(f"--io must be async or blocking, got {cfg.io!r}")
    if cfg.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {cfg.workers}")
    if cfg.io == "blocking" and cfg.mode == "grpc":
        raise UsageError("--mode grpc is served by the async form only, "
                         "not with --io blocking")
    _validate_tls(cfg)


def _validate_tls(cfg: Config) -> None:
    """Raise UsageError if the TLS flags of cfg do not go together."""
    if cfg.tls_cert is None and cfg.tls_key is None:
        return
    if cfg.tls_key is None:
        raise UsageError("--tls-key FILE is missing: --tls-cert and "
                         "--tls-key go together")
    if cfg.tls_cert is None:
        raise UsageError("--tls-cert FILE is missing: --tls-cert and "
                         "--tls-key go together")
    if cfg.mode not in TLS_MODES:
        raise UsageError(f"--mode {cfg.mode} does not take TLS "
                         "(--tls-cert, --tls-key); only echo, http and "
                         "grpc do")
    if cfg.io == "blocking":
        raise UsageError("TLS (--tls-cert, --tls-key) is served by the "
                         "async form only, not with --io blocking")


def split_host_port(addr: str) -> Tuple[str, int]:
    """Split "HOST:PORT" (or "[IPv6]:PORT") into host and port.

    An empty host means every interface. It raises ValueError.
    """
    host, sep, port = addr.rpartition(":")
    if not sep:
        raise ValueError(f"address {addr!r}: missing port")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not port.isdigit() or int(port) > 65535:
        raise ValueError(f"address {addr!r}: invalid port {port!r}")
    return host, int(port)


def join_host_port(host: str, port: int) -> str:
    """Return host and port as "HOST:PORT", bracketing an IPv6 host."""
    if ":" in host:
        return f"[{host}]:{port}"
    return f"{host}:{port}"


def help_text() -> str:
    """Return the usage and flag descriptions, as --help prints them."""
    return _new_parser().format_help()
