/*
 * Real-socket tests of the HTTP mode over HTTP/2 in plain TCP: h2c with prior knowledge beside
 * HTTP/1.1 on one port, the routes, many streams, flow control, PING, bad input and GOAWAY.
 */
package com.github.latbench.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class Http2Test {

    private final List<Running> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(Running::stop);
    }

    /** Starts the async HTTP server on 127.0.0.1:0 with two event-loop threads. */
    private Running start() throws Exception {
        Config cfg = Config.parse(List.of("--mode", "http", "--listen", "127.0.0.1:0", "--threads", "2"), 1);
        Running s = Server.start(cfg);
        started.add(s);
        return s;
    }

    /** Returns the first n bytes of the alphabet pattern. */
    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    /** Checks that r is the answer of /bytes/n. */
    static void assertBytes(H2Client.Response r, int n) {
        assertEquals(200, r.status());
        assertEquals("application/octet-stream", r.headers().get("content-type").toString());
        assertEquals(Integer.toString(n), r.headers().get("content-length").toString());
        assertArrayEquals(pattern(n), r.body());
    }

    @Test
    void servesTheRoutesOverH2c() throws Exception {
        Running s = start();
        try (H2Client c = H2Client.connect(s.localAddress()).handshake()) {
            long streams = c.serverSettings.getOrDefault(0x3, Long.MAX_VALUE);
            assertTrue(streams >= 100, "SETTINGS_MAX_CONCURRENT_STREAMS " + streams);
            c.request(1, "GET", "/bytes/100");
            assertBytes(c.readResponse(1), 100);
            c.request(3, "GET", "/health");
            H2Client.Response health = c.readResponse(3);
            assertEquals(200, health.status());
            assertEquals("ok", health.text());
            c.request(5, "GET", "/nope");
            assertEquals(404, c.readResponse(5).status());
            c.request(7, "GET", "/bytes/16777217");
            H2Client.Response big = c.readResponse(7);
            assertEquals(400, big.status());
            assertTrue(big.text().startsWith("size must be"), big.text());
            c.request(9, "POST", "/bytes/1");
            H2Client.Response post = c.readResponse(9);
            assertEquals(405, post.status());
            assertEquals("GET, HEAD", post.headers().get("allow").toString());
            c.request(11, "HEAD", "/bytes/7");
            H2Client.Response head = c.readResponse(11);
            assertEquals("7", head.headers().get("content-length").toString());
            assertEquals(0, head.body().length);
            c.request(13, "GET", "/bytes/0?x=1");
            assertBytes(c.readResponse(13), 0);
            c.request(15, "GET", "/delay/20ms/bytes/5");
            assertBytes(c.readResponse(15), 5);
            c.request(17, "GET", "/delay/61s/bytes/5");
            assertEquals(400, c.readResponse(17).status());
        }
    }

    @Test
    void http1StillServedOnTheSamePort() throws Exception {
        Running s = start();
        try (RawClient c = new RawClient(s.localAddress())) {
            c.send(RawClient.get("/bytes/30"));
            RawClient.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals("abcdefghijklmnopqrstuvwxyzabcd", r.body());
            // A request that starts like the preface but is not it is HTTP/1.1: PRI * is no route.
            c.send("PRI * HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(404, c.read().status());
        }
    }

    @Test
    void manyConcurrentStreamsOnOneConnection() throws Exception {
        Running s = start();
        int count = 300;
        try (H2Client c = H2Client.connect(s.localAddress()).handshake()) {
            for (int i = 0; i < count; i++) {
                int stream = 1 + 2 * i;
                c.request(stream, "GET", i % 3 == 0 ? "/delay/30ms/bytes/" + i : "/bytes/" + (i * 100));
            }
            Map<Integer, H2Client.Response> got = c.readResponses(1, count);
            assertEquals(count, got.size());
            for (int i = 0; i < count; i++) {
                assertBytes(got.get(1 + 2 * i), i % 3 == 0 ? i : i * 100);
            }
        }
    }

    @Test
    void bodyOfOneMebibyteWithDefaultWindows() throws Exception {
        Running s = start();
        try (H2Client c = H2Client.connect(s.localAddress()).handshake()) {
            c.request(1, "GET", "/bytes/1048576");
            c.request(3, "GET", "/bytes/300000");
            Map<Integer, H2Client.Response> got = c.readResponses(1, 2);
            assertBytes(got.get(1), 1 << 20);
            assertBytes(got.get(3), 300000);
        }
    }

    @Test
    void answersPingAndDropsRequestBodies() throws Exception {
        Running s = start();
        try (H2Client c = H2Client.connect(s.localAddress()).handshake()) {
            c.ping();
            // 96 KiB of bodies: more than the 64 KiB connection window, so the server must open it.
            for (int i = 0; i < 6; i++) {
                c.requestWithBody(1 + 2 * i, "GET", "/bytes/3", new byte[16_384]);
            }
            Map<Integer, H2Client.Response> got = c.readResponses(1, 6);
            got.values().forEach(r -> assertBytes(r, 3));
            c.request(13, "GET", "/bytes/1");
            assertBytes(c.readResponse(13), 1);
            assertEquals(1, c.pingAcks);
        }
    }

    @Test
    void malformedRequestIsAnsweredAndTheConnectionLivesOn() throws Exception {
        Running s = start();
        try (H2Client c = H2Client.connect(s.localAddress()).handshake()) {
            // No :path: a 400 or a reset of the stream, either is the contract's.
            byte[] block = c.encode(1, new io.netty.handler.codec.http2.DefaultHttp2Headers(false)
                    .method("GET").scheme("http"));
            c.writeFrame(H2Client.HEADERS, H2Client.END_HEADERS | H2Client.END_STREAM, 1, block);
            H2Client.Response r = c.readResponse(1);
            assertTrue(r.status() == 400 || r.resetCode() == 1, "status " + r.status() + " reset " + r.resetCode());
            // An uppercase header name is malformed in HTTP/2.
            block = c.encode(3, new io.netty.handler.codec.http2.DefaultHttp2Headers(false)
                    .method("GET").path("/bytes/1").scheme("http").add("X-Upper", "1"));
            c.writeFrame(H2Client.HEADERS, H2Client.END_HEADERS | H2Client.END_STREAM, 3, block);
            r = c.readResponse(3);
            assertTrue(r.status() == 400 || r.resetCode() == 1, "status " + r.status() + " reset " + r.resetCode());
            c.request(5, "GET", "/bytes/2");
            assertBytes(c.readResponse(5), 2);
        }
    }

    @Test
    void frameTooLargeEndsTheConnectionWithItsError() throws Exception {
        Running s = start();
        try (H2Client c = H2Client.connect(s.localAddress()).handshake()) {
            // The head of a DATA frame of 20,000 bytes, above the 16 KiB frame size: the server
            // stops at the head (sending the payload could make the close a reset).
            c.writeRaw(new byte[] {0x00, 0x4e, 0x20, H2Client.DATA, 0, 0, 0, 0, 1});
            c.readUntilClosed();
            assertEquals(0x6, c.goAwayError, "GOAWAY with FRAME_SIZE_ERROR");
        }
    }

    @Test
    void garbageAfterThePrefaceClosesOnlyThatConnection() throws Exception {
        Running s = start();
        try (H2Client c = H2Client.connect(s.localAddress())) {
            c.writeRaw(H2Client.PREFACE);
            c.writeRaw("this is not a frame at all, not even close to one\r\n".getBytes(StandardCharsets.US_ASCII));
            c.readUntilClosed();
        }
        try (H2Client c = H2Client.connect(s.localAddress()).handshake()) {
            c.request(1, "GET", "/bytes/4");
            assertBytes(c.readResponse(1), 4);
        }
    }

    @Test
    void stopSendsGoAwayThenCloses() throws Exception {
        Running s = start();
        try (H2Client c = H2Client.connect(s.localAddress()).handshake()) {
            c.request(1, "GET", "/bytes/10");
            assertBytes(c.readResponse(1), 10);
            Thread stopper = new Thread(s::stop);
            stopper.start();
            assertTrue(c.readUntilClosed(), "no GOAWAY before the close");
            assertEquals(0, c.goAwayError, "GOAWAY error code");
            stopper.join(20_000);
        }
        started.clear();
    }

    @Test
    void startupLineSaysTlsOff() throws Exception {
        Running s = start();
        assertTrue(s.describe().endsWith(" tls=off"), s.describe());
    }
}
