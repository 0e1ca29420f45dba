"""latbench-server-python: the Python reference server of latbench.

It serves one of four modes on a TCP listener:

    echo   every byte received is written back in order
    http   HTTP/1.1 keep-alive server with /bytes/N, /delay/D/bytes/N
           (the same after waiting D, a slow dependency) and /health
           (httptools parses), and HTTP/2 with the same routes (the h2
           library; module http2): h2c with prior knowledge on plain
           TCP, h2 or HTTP/1.1 by ALPN over TLS
    proxy  TCP relay of every connection to --backend
    grpc   the latbench.echo.v1.Echo service of servers/proto/echo.proto
           on grpcio's asyncio server (modules grpcserver, grpcecho)

in one of two I/O forms (--io):

    async     (default) asyncio protocols on uvloop when it is installed;
              --threads N runs N processes on one SO_REUSEPORT port (grpc
              too: N grpc.aio servers with "grpc.so_reuseport"); a
              delay is a timer of the event loop
    blocking  one process: an acceptor thread queues connections for
              --workers N threads (default 8), each serving one
              connection at a time with blocking socket calls; a delay
              sleeps on the worker (package latbench_server.blocking)

With --tls-cert and --tls-key (echo, http, grpc; async form only) the
listener speaks TLS 1.2 and 1.3 (module tls).

Run it with ``python -m latbench_server --mode MODE --listen HOST:PORT``
(scripts/build-python.sh writes bin/latbench-server-python, which does
that in the project's venv, where it also generates the gRPC modules of
echo.proto). Unit tests: ``scripts/build-python.sh --dev``, then
``bin/python-venv/bin/python -m pytest servers/python``.
"""

PROG = "latbench-server-python"
