/*
 * Command-line parsing and validation of latbench-server-java.
 */
package com.github.latbench.server;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;

/**
 * The parsed command line: {@code --mode echo|http|proxy|grpc --listen HOST:PORT [--backend HOST:PORT]
 * [--threads N] [--tls-cert FILE --tls-key FILE] [--io async|blocking|virtual] [--workers N]}.
 *
 * <p>Flags may be written {@code --flag value}, {@code --flag=value}, or with a single dash, like
 * Go's flag package accepts them. {@code backend}, {@code tlsCert} and {@code tlsKey} are null unless
 * given; the two TLS files are given together or not at all, and only their names are checked here
 * ({@link TlsIdentity} reads them).
 */
record Config(String mode, InetSocketAddress listen, InetSocketAddress backend, int threads, Io io,
        int workers, String tlsCert, String tlsKey) {

    /** The default of --workers. */
    static final int DEFAULT_WORKERS = 8;

    /** The usage text printed on errors and for {@code --help}. */
    static final String USAGE = "Usage: " + Main.PROG
            + " --mode echo|http|proxy|grpc --listen HOST:PORT [--backend HOST:PORT] [--threads N]\n"
            + "       [--tls-cert FILE --tls-key FILE] [--io async|blocking|virtual] [--workers N]\n"
            + "  --mode     server mode: echo (every byte back), http (HTTP/1.1, and HTTP/2: h2c with\n"
            + "             prior knowledge, h2 over TLS), proxy (TCP relay to --backend) or grpc\n"
            + "             (latbench.echo.v1.Echo over HTTP/2)\n"
            + "  --listen   address to listen on, HOST:PORT\n"
            + "  --backend  backend address for proxy mode, HOST:PORT\n"
            + "  --threads  number of worker event-loop threads (default: CPUs this process may run on);\n"
            + "             ignored by --io blocking and virtual\n"
            + "  --tls-cert PEM certificate chain: the listener speaks TLS 1.2 and 1.3 (echo, http and\n"
            + "             grpc, --io async only; ALPN h2 and http/1.1 for http, h2 for grpc)\n"
            + "  --tls-key  PEM private key of --tls-cert (PKCS#8, PKCS#1 RSA or SEC1 EC); both or neither\n"
            + "  --io       I/O form: async (Netty event loops, the default); blocking (ServerSocket, one\n"
            + "             acceptor thread and a fixed pool of --workers threads, each serving one\n"
            + "             connection at a time with blocking reads and writes); virtual (the blocking\n"
            + "             code on one virtual thread per connection; needs Java 21 or newer)\n"
            + "  --workers  threads of --io blocking (default " + DEFAULT_WORKERS + "); ignored by async and virtual\n";

    /** The modes, in the order the usage names them. */
    private static final List<String> MODES = List.of("echo", "http", "proxy", "grpc");

    /** The I/O form of the server. */
    enum Io {
        /** Netty event loops that never block. */
        ASYNC,
        /** A fixed pool of platform threads with blocking sockets. */
        BLOCKING,
        /** The blocking code on one virtual thread per connection. */
        VIRTUAL;

        /** Returns the name as written on the command line. */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Thrown for a bad command line; the caller prints it with the usage and exits 2. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** Thrown for {@code --help} or {@code -h}; the caller prints the usage and exits 0. */
    static final class HelpException extends Exception {
        private static final long serialVersionUID = 1L;
    }

    /**
     * Parses args; threads defaults to defaultThreads, io to async and workers to DEFAULT_WORKERS.
     * It throws HelpException for a help flag and UsageException for anything invalid.
     */
    static Config parse(List<String> args, int defaultThreads) throws UsageException, HelpException {
        String mode = null, listen = null, backend = null, threads = null, io = null, workers = null;
        String tlsCert = null, tlsKey = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String name = flagName(arg);
            if (name.equals("h") || name.equals("help")) {
                throw new HelpException();
            }
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new UsageException("flag needs an argument: " + arg);
            }
            switch (name) {
                case "mode" -> mode = value;
                case "listen" -> listen = value;
                case "backend" -> backend = value;
                case "threads" -> threads = value;
                case "io" -> io = value;
                case "workers" -> workers = value;
                case "tls-cert" -> tlsCert = value;
                case "tls-key" -> tlsKey = value;
                default -> throw new UsageException("flag provided but not defined: " + arg);
            }
        }
        Config c = validate(mode, listen, backend, threads, defaultThreads, io, workers);
        return validateTls(c, tlsCert, tlsKey);
    }

    /** Returns arg without its leading one or two dashes; a positional argument is an error. */
    private static String flagName(String arg) throws UsageException {
        if (!arg.startsWith("-") || arg.equals("-") || arg.equals("--")) {
            throw new UsageException("unexpected argument \"" + arg + "\"");
        }
        return arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
    }

    /** Checks the flag combination and converts the values. */
    private static Config validate(String mode, String listen, String backend, String threads,
            int defaultThreads, String io, String workers) throws UsageException {
        if (mode == null || !MODES.contains(mode)) {
            throw new UsageException("--mode must be echo, http, proxy or grpc, got \""
                    + (mode == null ? "" : mode) + "\"");
        }
        if (listen == null || listen.isEmpty()) {
            throw new UsageException("--listen HOST:PORT is required");
        }
        if (mode.equals("proxy") && (backend == null || backend.isEmpty())) {
            throw new UsageException("--backend HOST:PORT is required in proxy mode");
        }
        int n = threads == null ? defaultThreads : parsePositive("--threads", threads);
        InetSocketAddress back = backend == null || backend.isEmpty() ? null : address("--backend", backend);
        int w = workers == null ? DEFAULT_WORKERS : parsePositive("--workers", workers);
        Io form = parseIo(io);
        if (form != Io.ASYNC && mode.equals("grpc")) {
            throw new UsageException("--mode grpc is served by --io async only, not --io " + form);
        }
        return new Config(mode, address("--listen", listen), back, n, form, w, null, null);
    }

    /**
     * Checks the TLS flags against the rest of c and returns c with them: both or neither, not in
     * proxy mode, not in the blocking forms. An empty file name is an error.
     */
    private static Config validateTls(Config c, String cert, String key) throws UsageException {
        if (cert == null && key == null) {
            return c;
        }
        if (c.mode().equals("proxy")) {
            throw new UsageException("--mode proxy does not take TLS: --tls-cert and --tls-key are for echo, http "
                    + "and grpc");
        }
        if (c.io() != Io.ASYNC) {
            throw new UsageException("TLS (--tls-cert, --tls-key) is served by --io async only, not --io " + c.io());
        }
        if (key == null) {
            throw new UsageException("--tls-key FILE is missing: --tls-cert needs it");
        }
        if (cert == null) {
            throw new UsageException("--tls-cert FILE is missing: --tls-key needs it");
        }
        if (cert.isEmpty() || key.isEmpty()) {
            throw new UsageException("invalid value \"\" for flag " + (cert.isEmpty() ? "--tls-cert" : "--tls-key"));
        }
        return new Config(c.mode(), c.listen(), c.backend(), c.threads(), c.io(), c.workers(), cert, key);
    }

    /** Reports whether the listener speaks TLS. */
    boolean tls() {
        return tlsCert != null;
    }

    /** Parses the value of --io; null (not given) is async. */
    private static Io parseIo(String s) throws UsageException {
        if (s == null) {
            return Io.ASYNC;
        }
        for (Io io : Io.values()) {
            if (io.toString().equals(s)) {
                return io;
            }
        }
        throw new UsageException("--io must be async, blocking or virtual, got \"" + s + "\"");
    }

    /** Parses the value of flag, which must be an integer of at least 1. */
    private static int parsePositive(String flag, String s) throws UsageException {
        int n;
        try {
            n = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new UsageException("invalid value \"" + s + "\" for flag " + flag);
        }
        if (n < 1) {
            throw new UsageException(flag + " must be at least 1, got " + n);
        }
        return n;
    }

    /**
     * Parses HOST:PORT ({@code [v6]:PORT} for IPv6; an empty host means every interface) into an
     * unresolved address; flag names the flag in the error message.
     */
    static InetSocketAddress address(String flag, String hostPort) throws UsageException {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            throw new UsageException(flag + ": missing port in address \"" + hostPort + "\"");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new UsageException(flag + ": too many colons in address \"" + hostPort + "\"");
        }
        int port = parsePort(flag, hostPort.substring(colon + 1));
        return host.isEmpty() ? new InetSocketAddress(port) : InetSocketAddress.createUnresolved(host, port);
    }

    /** Formats a as HOST:PORT, with brackets around an IPv6 host. */
    static String format(InetSocketAddress a) {
        String host = a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** Parses a decimal port from 0 to 65535. */
    private static int parsePort(String flag, String s) throws UsageException {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new UsageException(flag + ": invalid port \"" + s + "\"");
        }
        int port = Integer.parseInt(s);
        if (port > 65535) {
            throw new UsageException(flag + ": invalid port \"" + s + "\"");
        }
        return port;
    }
}
