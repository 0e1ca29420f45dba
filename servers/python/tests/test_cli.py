"""Tests of the command-line parsing."""

import pytest

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


def test_help_prints_usage_on_stderr(capsys):
    with pytest.raises(HelpRequested):
        parse_args(["--help"])
    out, err = capsys.readouterr()
    assert out == ""
    assert "--mode echo|http|proxy --listen HOST:PORT" in err


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
