"""latbench-server-python: the Python reference server of latbench.

It serves one of three modes on a TCP listener, with asyncio protocols on
uvloop when it is installed:

    echo   every byte received is written back in order
    http   HTTP/1.1 keep-alive server with /bytes/N and /health (httptools)
    proxy  TCP relay of every connection to --backend

Run it with ``python -m latbench_server --mode MODE --listen HOST:PORT``
(scripts/build-python.sh writes bin/latbench-server-python, which does
that in the project's venv). Unit tests: ``scripts/build-python.sh --dev``,
then ``bin/python-venv/bin/python -m pytest servers/python``.
"""

PROG = "latbench-server-python"
