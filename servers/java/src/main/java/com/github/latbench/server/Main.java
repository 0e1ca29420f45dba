/*
 * latbench-server-java: the Java (Netty) reference server for latbench.
 *
 * Usage: latbench-server-java --mode echo|http|proxy|grpc --listen HOST:PORT [--backend HOST:PORT]
 *        [--threads N] [--tls-cert FILE --tls-key FILE] [--io async|blocking|virtual] [--workers N]
 *
 *   echo   every byte received is written back in order
 *   http   HTTP/1.1 keep-alive server with GET /bytes/N, GET /delay/D/bytes/N and GET /health, and
 *          the same over HTTP/2 (h2c with prior knowledge, h2 over TLS by ALPN)
 *   proxy  TCP relay of every connection to --backend
 *   grpc   the gRPC service latbench.echo.v1.Echo of servers/proto/echo.proto (grpc-java)
 *
 * With --tls-cert and --tls-key (PEM) the listener of echo, http and grpc speaks TLS 1.2 and 1.3
 * (the JDK's, through Netty's SslHandler); the files are read at start, and one that does not read
 * or a key that does not match the certificate exits 2 naming the file. TLS and grpc are served by
 * the async form only (servers/PROTOCOLS.md).
 *
 * The I/O forms: async (the default) is Netty on --threads event loops; blocking is a ServerSocket
 * with one acceptor thread and a fixed pool of --workers threads, each serving one connection at a
 * time with blocking reads and writes; virtual is the blocking code on one virtual thread per
 * connection (Java 21 or newer, found at run time: the build targets Java 17).
 *
 * It logs one line to stderr when it is listening and otherwise only fatal errors. SIGTERM or SIGINT
 * closes the listener (in the async form every connection too) and exits 0 at once, without waiting
 * for threads blocked in reads or delays. Usage errors exit 2, runtime errors (such as a port in
 * use) exit 1.
 */
package com.github.latbench.server;

import java.util.Arrays;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The entry point: parses the command line, starts the server and installs the signal handling. */
public final class Main {

    /** Prefixes every line the server writes to stderr. */
    static final String PROG = "latbench-server-java";

    private static final int EXIT_OK = 0;
    private static final int EXIT_RUNTIME = 1;
    private static final int EXIT_USAGE = 2;

    /**
     * The loggers of Netty and grpc-java, which log through java.util.logging to stderr: only
     * their errors are shown, so that a client's failed handshake or broken stream is never a log
     * line. Held here, as java.util.logging keeps loggers weakly and would forget the level.
     */
    private static final Logger[] QUIET = {Logger.getLogger("io.netty"), Logger.getLogger("io.grpc")};

    private Main() {
    }

    /**
     * Starts the server and returns; the event-loop threads (or the acceptor thread) keep the JVM
     * running until a signal runs the shutdown hook.
     */
    public static void main(String[] args) {
        Config cfg = parseOrExit(args);
        TlsIdentity identity = cfg.tls() ? loadOrExit(cfg) : null;
        quietLibraries();
        Running server;
        try {
            if (cfg.io() != Config.Io.ASYNC) {
                server = BlockingServer.start(cfg);
            } else if (cfg.mode().equals("grpc")) {
                server = GrpcServer.start(cfg, identity);
            } else {
                server = Server.start(cfg, identity);
            }
        } catch (Exception e) {
            System.err.println(PROG + ": " + describe(e));
            System.exit(EXIT_RUNTIME);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(server), "shutdown"));
        System.err.println(PROG + ": mode=" + cfg.mode() + " " + server.describe());
    }

    /**
     * Parses args, or prints the problem and the usage and exits (0 for --help, 2 otherwise). --io
     * virtual on a JVM older than Java 21 exits 2 as well, with just the problem.
     */
    private static Config parseOrExit(String[] args) {
        try {
            Config cfg = Config.parse(Arrays.asList(args), Runtime.getRuntime().availableProcessors());
            if (cfg.io() == Config.Io.VIRTUAL && !VirtualThreads.available()) {
                System.err.println(PROG + ": " + VirtualThreads.unavailableMessage());
                System.exit(EXIT_USAGE);
            }
            return cfg;
        } catch (Config.HelpException e) {
            System.err.print(Config.USAGE);
            System.exit(EXIT_OK);
        } catch (Config.UsageException e) {
            System.err.println(PROG + ": " + e.getMessage());
            System.err.print(Config.USAGE);
            System.exit(EXIT_USAGE);
        }
        throw new AssertionError("unreachable");
    }

    /**
     * Lets Netty and grpc-java log errors only: grpc logs a failed connection ("Transport failed")
     * and a message over the size limit as INFO and WARNING, per connection or call.
     */
    static void quietLibraries() {
        for (Logger l : QUIET) {
            l.setLevel(Level.SEVERE);
        }
    }

    /** Reads the TLS files of cfg, or prints the problem and exits 2. */
    private static TlsIdentity loadOrExit(Config cfg) {
        try {
            return TlsIdentity.load(cfg.tlsCert(), cfg.tlsKey());
        } catch (TlsIdentity.TlsException e) {
            System.err.println(PROG + ": " + e.getMessage());
            System.exit(EXIT_USAGE);
            throw new AssertionError("unreachable");
        }
    }

    /**
     * Runs in the shutdown hook on SIGTERM or SIGINT: stops the server, then halts with status 0.
     * Without the halt the JVM would exit with 128 + the signal number, and the contract asks for 0.
     */
    private static void stop(Running server) {
        server.stop();
        System.err.flush();
        Runtime.getRuntime().halt(EXIT_OK);
    }

    /** Returns a one-line description of a start failure. */
    private static String describe(Throwable e) {
        String msg = e.getMessage();
        return msg == null ? e.toString() : msg;
    }
}
