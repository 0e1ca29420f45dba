/*
 * The blocking and virtual I/O forms: a ServerSocket, one acceptor thread, and threads that each
 * serve one connection at a time with blocking reads and writes.
 */
package com.github.latbench.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A listening server of the blocking or virtual form. The acceptor thread accepts each connection
 * and hands it to an executor. In the blocking form that is a fixed pool of --workers threads
 * ({@link Executors#newFixedThreadPool}): a free worker takes the connection and serves it until it
 * closes; while every worker is busy, new connections wait in the pool's queue, and a slow
 * dependency starves them. In the virtual form every connection gets a virtual thread of its own.
 */
final class BlockingServer implements Running {

    /** The listen backlog; the kernel caps it at net.core.somaxconn. */
    private static final int BACKLOG = 4096;
    /** How long the acceptor pauses after a failed accept (such as too many open files). */
    private static final long ACCEPT_RETRY_MILLIS = 10;

    /** Serves one accepted connection until it ends; the caller closes the socket. */
    @FunctionalInterface
    interface Connection {
        void serve(Socket s) throws IOException;
    }

    private final Config cfg;
    private final ServerSocket listener;
    private final ExecutorService workers;
    /** The executor of the proxy's second direction, or null in the other modes. */
    private final ExecutorService relays;

    private BlockingServer(Config cfg, ServerSocket listener, ExecutorService workers, ExecutorService relays) {
        this.cfg = cfg;
        this.listener = listener;
        this.workers = workers;
        this.relays = relays;
    }

    /**
     * Binds cfg.listen() and serves cfg.mode() on it in cfg.io() (blocking or virtual); it throws if
     * the address cannot be bound or, for virtual, the JVM has no virtual threads.
     */
    static BlockingServer start(Config cfg) throws Exception {
        boolean virtual = cfg.io() == Config.Io.VIRTUAL;
        ExecutorService workers = virtual
                ? VirtualThreads.newPerTaskExecutor()
                : Executors.newFixedThreadPool(cfg.workers(), daemonThreads("worker"));
        // The proxy's backend-to-client direction: a second fixed pool of N threads, which never
        // runs short since at most N clients are served at once; in the virtual form, one more
        // virtual thread per connection.
        ExecutorService relays = !cfg.mode().equals("proxy") ? null
                : virtual ? workers : Executors.newFixedThreadPool(cfg.workers(), daemonThreads("relay"));
        ServerSocket listener = new ServerSocket();
        BlockingServer server = new BlockingServer(cfg, listener, workers, relays);
        try {
            listener.setReuseAddress(true);
            listener.bind(Server.resolve(cfg.listen()), BACKLOG);
        } catch (IOException e) {
            server.stop();
            throw new Exception("listen tcp " + Config.format(cfg.listen()) + ": " + e.getMessage(), e);
        }
        Connection conn = server.connection();
        // Not a daemon: the acceptor keeps the JVM running until SIGTERM halts it.
        new Thread(() -> server.acceptLoop(conn), "acceptor").start();
        return server;
    }

    /** Returns what serves one connection of cfg.mode(). */
    private Connection connection() throws IOException {
        return switch (cfg.mode()) {
            case "echo" -> BlockingEcho::serve;
            case "http" -> new BlockingHttp(Bodies.newPatternArray())::serve;
            case "proxy" -> new BlockingProxy(Server.resolve(cfg.backend()), relays)::serve;
            default -> throw new IllegalArgumentException("unknown mode " + cfg.mode());
        };
    }

    /** Returns a factory of daemon threads named prefix-1, prefix-2, ... */
    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true); // SIGTERM does not wait for workers blocked in reads or sleeps.
            return t;
        };
    }

    /** Accepts connections and hands each to the workers until the listener is closed. */
    private void acceptLoop(Connection conn) {
        while (!listener.isClosed()) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                pauseUnlessClosed();
                continue;
            }
            try {
                workers.execute(() -> serve(s, conn));
            } catch (RejectedExecutionException e) {
                closeQuietly(s); // Stopping.
            }
        }
    }

    /** Serves s with conn, then closes it; resets and the like just end the connection. */
    private static void serve(Socket s, Connection conn) {
        try (s) {
            s.setTcpNoDelay(true);
            conn.serve(s);
        } catch (IOException | RejectedExecutionException e) {
            // Resets and the like, or stopping: nothing to log per connection.
        }
    }

    /** Sleeps a little after a failed accept, so that the acceptor does not spin. */
    private void pauseUnlessClosed() {
        if (listener.isClosed()) {
            return;
        }
        try {
            Thread.sleep(ACCEPT_RETRY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes s, ignoring errors. */
    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // Already closed or reset.
        }
    }

    @Override
    public String describe() {
        String workersWord = cfg.io() == Config.Io.VIRTUAL ? "per-connection" : Integer.toString(cfg.workers());
        return "io=" + cfg.io() + " workers=" + workersWord + " listen=" + localAddress() + " tls=off";
    }

    @Override
    public String localAddress() {
        return Config.format((InetSocketAddress) listener.getLocalSocketAddress());
    }

    /**
     * Closes the listener and interrupts the threads; it does not wait for them (they are daemons,
     * and Main halts the JVM right after).
     */
    @Override
    public void stop() {
        try {
            listener.close();
        } catch (IOException e) {
            // Closing anyway.
        }
        workers.shutdownNow();
        if (relays != null) {
            relays.shutdownNow();
        }
    }
}
