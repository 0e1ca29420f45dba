"""Tests of the command-line parsing."""

import pytest

from latbench_server.__main__ import main
from latbench_server.cli import (Config, HelpRequested, UsageError,
                                 join_host_port, parse_args, split_host_port)


def two_cpus() -> int:
    return 2


@pytest.mark.parametrize("argv, want", [
    pytest.param(["--mode", "echo", "--listen", "127.0.0.1:80"],
                 Config("echo", "127.0.0.1:80", "", 2), id="default threads"),
    pytest.param(["--mode=http", "--listen=:0", "--threads=3"],
                 Config("http", ":0", "", 3), id="equals form"),
    pytest.param(["--mode", "proxy", "--listen", "h:1", "--backend", "b:2",
                  "--threads", "1"],
                 Config("proxy", "h:1", "b:2", 1), id="proxy"),
    pytest.param(["--mode", "echo", "--listen", "h:1", "--backend", "b:2"],
                 Config("echo", "h:1", "b:2", 2), id="backend ignored"),
    pytest.param(["--mode", "echo", "--listen", "h:1"],
                 Config("echo", "h:1", "", 2, "async", 8),
                 id="default io and workers"),
    pytest.param(["--mode", "http", "--listen", "h:1", "--io", "blocking"],
                 Config("http", "h:1", "", 2, "blocking", 8),
                 id="blocking"),
    pytest.param(["--mode", "http", "--listen", "h:1", "--io=blocking",
                  "--workers=2"],
                 Config("http", "h:1", "", 2, "blocking", 2),
                 id="blocking with workers"),
    pytest.param(["--mode", "http", "--listen", "h:1", "--io", "async",
                  "--workers", "1"],
                 Config("http", "h:1", "", 2, "async", 1),
                 id="workers ignored when async"),
    pytest.param(["--mode", "proxy", "--listen", "h:1", "--backend", "b:2",
                  "--io", "blocking", "--workers", "1000", "--threads", "4"],
                 Config("proxy", "h:1", "b:2", 4, "blocking", 1000),
                 id="threads ignored when blocking"),
])
def test_parse_args_valid(argv, want):
    assert parse_args(argv, cpus=two_cpus) == want


@pytest.mark.parametrize("argv", [
    pytest.param([], id="nothing"),
    pytest.param(["--listen", "h:1"], id="missing mode"),
    pytest.param(["--mode", "ftp", "--listen", "h:1"], id="bad mode"),
    pytest.param(["--mode", "echo"], id="missing listen"),
    pytest.param(["--mode", "proxy", "--listen", "h:1"],
                 id="proxy without backend"),
    pytest.param(["--mode", "echo", "--listen", "h:1", "--threads", "0"],
                 id="zero threads"),
    pytest.param(["--mode", "echo", "--listen", "h:1", "--threads", "-1"],
                 id="negative threads"),
    pytest.param(["--mode", "echo", "--listen", "h:1", "--threads", "x"],
                 id="threads not a number"),
    pytest.param(["--mode", "echo", "--listen", "h:1", "extra"],
                 id="stray positional"),
    pytest.param(["--mode", "echo", "--listen", "h:1", "--verbose"],
                 id="unknown flag"),
    pytest.param(["--mod", "echo", "--listen", "h:1"], id="no abbreviations"),
])
def test_parse_args_usage_errors(argv):
    with pytest.raises(UsageError):
        parse_args(argv, cpus=two_cpus)


@pytest.mark.parametrize("flags, message", [
    pytest.param(["--io", "threads"],
                 "--io must be async or blocking, got 'threads'",
                 id="unknown io"),
    pytest.param(["--io", "virtual"],
                 "--io must be async or blocking, got 'virtual'",
                 id="virtual is Java's"),
    pytest.param(["--io", ""], "--io must be async or blocking, got ''",
                 id="empty io"),
    pytest.param(["--workers", "0"], "--workers must be at least 1, got 0",
                 id="zero workers"),
    pytest.param(["--io", "blocking", "--workers", "-3"],
                 "--workers must be at least 1, got -3",
                 id="negative workers"),
    pytest.param(["--workers", "many"], "--workers: invalid int value",
                 id="workers not a number"),
    pytest.param(["--workers"], "--workers: expected one argument",
                 id="workers without value"),
    pytest.param(["--io"], "--io: expected one argument",
                 id="io without value"),
])
def test_parse_args_io_errors(flags, message):
    with pytest.raises(UsageError, match=message):
        parse_args(["--mode", "http", "--listen", "h:1", *flags],
                   cpus=two_cpus)


@pytest.mark.parametrize("flags, message", [
    (["--workers", "0"], "--workers must be at least 1, got 0"),
    (["--io", "sync"], "--io must be async or blocking, got 'sync'"),
])
def test_main_exits_2_on_io_usage_errors(capsys, flags, message):
    assert main(["--mode", "http", "--listen", "h:1", *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"latbench-server-python: {message}\n")
    assert "usage:" in err


def test_help_prints_usage_on_stderr(capsys):
    with pytest.raises(HelpRequested):
        parse_args(["--help"])
    out, err = capsys.readouterr()
    assert out == ""
    assert "--mode echo|http|proxy|grpc --listen HOST:PORT" in err
    assert "[--io async|blocking] [--workers N]" in err
    assert "[--tls-cert FILE --tls-key FILE]" in err
    text = " ".join(err.split())
    assert "ignored with --io blocking" in text
    assert "--tls-cert FILE PEM certificate" in text
    assert "--tls-key FILE PEM private key" in text
    assert "grpc serves latbench.echo.v1.Echo" in text
    assert "runs N processes that share the port through SO_REUSEPORT" in text


@pytest.mark.parametrize("argv, want", [
    pytest.param(["--mode", "grpc", "--listen", "h:1"],
                 Config("grpc", "h:1", "", 2), id="grpc"),
    pytest.param(["--mode", "http", "--listen", "h:1", "--tls-cert", "c",
                  "--tls-key", "k"],
                 Config("http", "h:1", "", 2, tls_cert="c", tls_key="k"),
                 id="http tls"),
    pytest.param(["--mode=echo", "--listen=h:1", "--tls-cert=c",
                  "--tls-key=k"],
                 Config("echo", "h:1", "", 2, tls_cert="c", tls_key="k"),
                 id="echo tls"),
    pytest.param(["--mode", "grpc", "--listen", "h:1", "--tls-key", "k",
                  "--tls-cert", "c", "--threads", "3"],
                 Config("grpc", "h:1", "", 3, tls_cert="c", tls_key="k"),
                 id="grpc tls"),
])
def test_parse_args_grpc_and_tls(argv, want):
    cfg = parse_args(argv, cpus=two_cpus)
    assert cfg == want
    assert cfg.tls == (want.tls_cert is not None)


@pytest.mark.parametrize("flags, message", [
    pytest.param(["--mode", "http", "--tls-cert", "c"],
                 "--tls-key FILE is missing", id="cert alone"),
    pytest.param(["--mode", "grpc", "--tls-key", "k"],
                 "--tls-cert FILE is missing", id="key alone"),
    pytest.param(["--mode", "proxy", "--backend", "b:2", "--tls-cert", "c",
                  "--tls-key", "k"],
                 "--mode proxy does not take TLS", id="proxy"),
    pytest.param(["--mode", "echo", "--io", "blocking", "--tls-cert", "c",
                  "--tls-key", "k"],
                 r"TLS \(--tls-cert, --tls-key\) is served by the async "
                 "form only", id="blocking tls"),
    pytest.param(["--mode", "grpc", "--io", "blocking"],
                 "--mode grpc is served by the async form only",
                 id="blocking grpc"),
    pytest.param(["--mode", "smtp"],
                 "--mode must be echo, http, proxy or grpc", id="bad mode"),
])
def test_parse_args_grpc_and_tls_errors(flags, message):
    with pytest.raises(UsageError, match=message):
        parse_args([*flags, "--listen", "h:1"], cpus=two_cpus)


def test_main_exits_2_on_tls_usage_errors(capsys):
    assert main(["--mode", "proxy", "--listen", "h:1", "--backend", "b:2",
                 "--tls-cert", "c", "--tls-key", "k"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("latbench-server-python: --mode proxy does not "
                          "take TLS")


@pytest.mark.parametrize("addr, want", [
    ("127.0.0.1:8080", ("127.0.0.1", 8080)),
    (":0", ("", 0)),
    ("[::1]:443", ("::1", 443)),
    ("localhost:65535", ("localhost", 65535)),
])
def test_split_host_port(addr, want):
    assert split_host_port(addr) == want


@pytest.mark.parametrize("addr", ["127.0.0.1", "h:", "h:x", "h:65536", "h:-1"])
def test_split_host_port_errors(addr):
    with pytest.raises(ValueError):
        split_host_port(addr)


@pytest.mark.parametrize("host, port, want", [
    ("127.0.0.1", 80, "127.0.0.1:80"),
    ("::1", 80, "[::1]:80"),
])
def test_join_host_port(host, port, want):
    assert join_host_port(host, port) == want
