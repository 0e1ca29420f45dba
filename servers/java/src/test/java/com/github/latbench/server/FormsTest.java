/*
 * Real-socket tests of the three I/O forms: /delay/D/bytes/N, starvation of the blocking pool, and
 * echo and proxy in the blocking forms. Margins are wide: they must hold on a busy 2-core machine.
 */
package com.github.latbench.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FormsTest {

    /** The delay of the slow requests of the starvation tests. */
    private static final long SLOW_MILLIS = 500;

    private final List<Running> started = new ArrayList<>();
    private final ExecutorService clients = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        started.forEach(Running::stop);
        clients.shutdownNow();
    }

    /**
     * Starts a server of io in mode on 127.0.0.1:0 with one event-loop thread and extra flags; a
     * virtual one is skipped on a JVM older than Java 21.
     */
    private Running start(Config.Io io, String mode, String... extra) throws Exception {
        if (io == Config.Io.VIRTUAL) {
            assumeTrue(VirtualThreads.available(), VirtualThreads.unavailableMessage());
        }
        List<String> args = new ArrayList<>(List.of("--mode", mode, "--listen", "127.0.0.1:0",
                "--io", io.toString(), "--threads", "1"));
        args.addAll(List.of(extra));
        Config cfg = Config.parse(args, 1);
        Running s = io == Config.Io.ASYNC ? Server.start(cfg) : BlockingServer.start(cfg);
        started.add(s);
        return s;
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** Checks that r is the answer of /bytes/n. */
    private static void assertBytes(RawClient.Response r, int n) {
        assertEquals(200, r.status());
        assertEquals("application/octet-stream", r.headers().get("content-type"));
        assertEquals(Integer.toString(n), r.headers().get("content-length"));
        assertEquals("abcdefghijklmnopqrstuvwxyz".repeat(n / 26 + 1).substring(0, n), r.body());
    }

    @ParameterizedTest
    @EnumSource(Config.Io.class)
    void delayWaitsThenAnswersLikeBytes(Config.Io io) throws Exception {
        Running s = start(io, "http");
        try (RawClient c = new RawClient(s.localAddress())) {
            long t0 = System.nanoTime();
            c.send(RawClient.get("/delay/50ms/bytes/10"));
            RawClient.Response r = c.read();
            long took = millisSince(t0);
            assertTrue(took >= 50, "/delay/50ms answered after " + took + " ms");
            assertBytes(r, 10);
            // A bad D is a 400 like a bad N, and the connection stays usable.
            c.send(RawClient.get("/delay/61s/bytes/1"));
            assertEquals(400, c.read().status());
            c.send(RawClient.get("/bytes/3"));
            assertBytes(c.read(), 3);
        }
    }

    @ParameterizedTest
    @EnumSource(Config.Io.class)
    void pipelinedAnswersStayInRequestOrder(Config.Io io) throws Exception {
        Running s = start(io, "http");
        try (RawClient c = new RawClient(s.localAddress())) {
            c.send(RawClient.get("/delay/100ms/bytes/3") + RawClient.get("/bytes/70000")
                    + RawClient.get("/delay/0ms/bytes/2") + RawClient.get("/delay/x/bytes/1")
                    + "HEAD /delay/1ms/bytes/9 HTTP/1.1\r\nConnection: close\r\n\r\n");
            assertBytes(c.read(), 3);
            assertBytes(c.read(), 70000);
            assertBytes(c.read(), 2);
            assertEquals(400, c.read().status());
            RawClient.Response head = c.readHead();
            assertEquals(200, head.status());
            assertEquals("9", head.headers().get("content-length"));
            assertTrue(c.closedByServer(), "Connection: close closes after its delayed answer");
        }
    }

    /**
     * Runs the point of the study against s: two connections wait on /delay/500ms/bytes/10, then a
     * third asks for /bytes/10. Each slow client closes once answered. It returns the milliseconds
     * from before the slow requests to the third's answer, and from the third's request to it.
     */
    private long[] twoSlowThenOneFast(Running s) throws Exception {
        try (RawClient warm = new RawClient(s.localAddress())) {
            warm.send(RawClient.get("/bytes/10")); // Loads the classes of an answer.
            assertBytes(warm.read(), 10);
        }
        try (RawClient a = new RawClient(s.localAddress()); RawClient b = new RawClient(s.localAddress());
                RawClient c = new RawClient(s.localAddress())) {
            CountDownLatch sent = new CountDownLatch(2);
            long t0 = System.nanoTime();
            List<Future<Long>> slow = new ArrayList<>();
            for (RawClient slowClient : List.of(a, b)) {
                slow.add(clients.submit(() -> {
                    slowClient.send(RawClient.get("/delay/" + SLOW_MILLIS + "ms/bytes/10"));
                    sent.countDown();
                    assertBytes(slowClient.read(), 10);
                    long took = millisSince(t0);
                    slowClient.close(); // Frees its worker in the blocking form.
                    return took;
                }));
            }
            assertTrue(sent.await(20, TimeUnit.SECONDS));
            long t1 = System.nanoTime();
            c.send(RawClient.get("/bytes/10"));
            assertBytes(c.read(), 10);
            long[] took = {millisSince(t0), millisSince(t1)};
            for (Future<Long> f : slow) {
                long ms = f.get(20, TimeUnit.SECONDS);
                assertTrue(ms >= SLOW_MILLIS, "a slow request answered after " + ms + " ms");
            }
            return took;
        }
    }

    @Test
    void slowRequestsStarveTheBlockingPool() throws Exception {
        long[] took = twoSlowThenOneFast(start(Config.Io.BLOCKING, "http", "--workers", "2"));
        assertTrue(took[0] >= SLOW_MILLIS, "the third answered " + took[0] + " ms after the slow requests");
        assertTrue(took[1] >= 250, "the third answered " + took[1] + " ms after its request, want ~500");
    }

    @ParameterizedTest
    @EnumSource(value = Config.Io.class, names = {"ASYNC", "VIRTUAL"})
    void slowRequestsDoNotHoldUpOthers(Config.Io io) throws Exception {
        long[] took = twoSlowThenOneFast(start(io, "http", "--workers", "2"));
        assertTrue(took[1] < 200, "the third answered " + took[1] + " ms after its request, want at once");
    }

    @ParameterizedTest
    @EnumSource(value = Config.Io.class, names = {"BLOCKING", "VIRTUAL"})
    void proxyRelaysEchoAndClosesBothSides(Config.Io io) throws Exception {
        Running echo = start(io, "echo");
        Running proxy = start(io, "proxy", "--backend", echo.localAddress());
        try (RawClient c = new RawClient(proxy.localAddress())) {
            String msg = "x".repeat(200_000);
            Future<String> echoed = clients.submit(() -> c.readN(msg.length()));
            c.send(msg);
            assertEquals(msg, echoed.get(20, TimeUnit.SECONDS));
            c.shutdownOutput();
            assertTrue(c.closedByServer(), "a client's close closes the relay");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Config.Io.class, names = {"BLOCKING", "VIRTUAL"})
    void echoAnswersAHalfCloseAndCloses(Config.Io io) throws Exception {
        Running echo = start(io, "echo", "--workers", "1");
        for (int i = 0; i < 2; i++) { // With one worker, the second waits for the first to close.
            try (RawClient c = new RawClient(echo.localAddress())) {
                c.send("hello");
                c.shutdownOutput();
                assertEquals("hello", c.readN(5));
                assertTrue(c.closedByServer());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Config.Io.class, names = {"BLOCKING", "VIRTUAL"})
    void unreachableBackendClosesTheClient(Config.Io io) throws Exception {
        String down;
        try (ServerSocket free = new ServerSocket(0)) {
            down = "127.0.0.1:" + free.getLocalPort();
        }
        Running proxy = start(io, "proxy", "--backend", down);
        try (RawClient c = new RawClient(proxy.localAddress())) {
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void virtualNeedsJava21() {
        assumeFalse(VirtualThreads.available());
        UnsupportedOperationException e =
                assertThrows(UnsupportedOperationException.class, VirtualThreads::newPerTaskExecutor);
        assertEquals("--io virtual needs Java 21 or newer; this is Java " + Runtime.version().feature(),
                e.getMessage());
    }

    @Test
    void startupLineNamesTheForm() throws Exception {
        Running s = start(Config.Io.BLOCKING, "http", "--workers", "3");
        assertEquals("io=blocking workers=3 listen=" + s.localAddress() + " tls=off", s.describe());
        assertTrue(start(Config.Io.ASYNC, "http").describe().startsWith("io=async listen="));
    }
}
