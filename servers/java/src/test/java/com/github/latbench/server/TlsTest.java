/*
 * Real-socket tests of TLS: echo over TLS, and the HTTP mode over TLS with ALPN (h2 and
 * http/1.1), with a throwaway self-signed certificate the clients trust.
 */
package com.github.latbench.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TlsTest {

    private static final int TIMEOUT_MILLIS = 20_000;

    @TempDir
    static Path dir;
    private static TestCerts certs;
    private static SSLContext client;
    private static final ExecutorService POOL = Executors.newCachedThreadPool();

    private final List<Running> started = new ArrayList<>();

    @BeforeAll
    static void makeCerts() throws Exception {
        certs = TestCerts.ec(dir);
        client = certs.clientContext();
    }

    @AfterAll
    static void stopPool() {
        POOL.shutdownNow();
    }

    @AfterEach
    void stop() {
        started.forEach(Running::stop);
    }

    /** Starts the async server of mode over TLS on 127.0.0.1:0 with the certificate of certs. */
    private Running start(String mode, TestCerts with) throws Exception {
        List<String> args = new ArrayList<>(List.of("--mode", mode, "--listen", "127.0.0.1:0", "--threads", "2"));
        args.addAll(List.of(with.flags()));
        Config cfg = Config.parse(args, 1);
        Running s = Server.start(cfg, TlsIdentity.load(cfg.tlsCert(), cfg.tlsKey()));
        started.add(s);
        return s;
    }

    private static int port(Running s) {
        String a = s.localAddress();
        return Integer.parseInt(a.substring(a.lastIndexOf(':') + 1));
    }

    /** Connects a TLS socket offering alpn (none if empty) and does the handshake. */
    private static SSLSocket tls(Running s, String... alpn) throws IOException {
        SSLSocket sock = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port(s));
        sock.setSoTimeout(TIMEOUT_MILLIS);
        SSLParameters p = sock.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // The certificate must name 127.0.0.1.
        if (alpn.length > 0) {
            p.setApplicationProtocols(alpn);
        }
        sock.setSSLParameters(p);
        sock.startHandshake();
        return sock;
    }

    private static byte[] readN(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        assertEquals(n, b.length, "bytes before the end of the stream");
        return b;
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "h2", "foo"})
    void echoOverTls(String alpn) throws Exception {
        Running s = start("echo", certs);
        assertTrue(s.describe().endsWith(" tls=on"), s.describe());
        try (SSLSocket c = alpn.isEmpty() ? tls(s) : tls(s, alpn)) {
            assertEquals("", c.getApplicationProtocol(), "echo selects no ALPN protocol");
            c.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            assertEquals("hello", new String(readN(c.getInputStream(), 5), StandardCharsets.US_ASCII));
            // Much more than a TLS record, read while it is written.
            byte[] big = Http2Test.pattern(300_000);
            Future<byte[]> echoed = POOL.submit(() -> readN(c.getInputStream(), big.length));
            c.getOutputStream().write(big);
            assertArrayEquals(big, echoed.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
            // close_notify from the client: the server closes too.
            c.shutdownOutput();
            assertEquals(-1, c.getInputStream().read());
        }
    }

    @Test
    void echoOverTls12() throws Exception {
        Running s = start("echo", certs);
        try (SSLSocket c = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port(s))) {
            c.setSoTimeout(TIMEOUT_MILLIS);
            c.setEnabledProtocols(new String[] {"TLSv1.2"});
            c.getOutputStream().write('x');
            assertEquals('x', c.getInputStream().read());
            assertEquals("TLSv1.2", c.getSession().getProtocol());
        }
    }

    @Test
    void echoWithAnRsaKeyInPkcs1() throws Exception {
        TestCerts rsa = TestCerts.rsa(dir.resolve("rsa"));
        TestCerts legacy = new TestCerts(rsa.cert(), rsa.keys(), rsa.certFile(), rsa.legacyKeyFile(), null);
        Running s = start("echo", legacy);
        SSLContext trustRsa = rsa.clientContext();
        try (Socket c = trustRsa.getSocketFactory().createSocket("127.0.0.1", port(s))) {
            c.setSoTimeout(TIMEOUT_MILLIS);
            c.getOutputStream().write('y');
            assertEquals('y', c.getInputStream().read());
        }
    }

    @Test
    void failedHandshakeClosesOnlyThatConnection() throws Exception {
        Running s = start("http", certs);
        try (RawClient plain = new RawClient(s.localAddress())) {
            plain.send(RawClient.get("/bytes/1")); // Not a TLS ClientHello.
            assertTrue(plain.closedByServer());
        }
        // A client that does not trust the certificate.
        SSLContext trustNothing = SSLContext.getInstance("TLS");
        trustNothing.init(null, null, null);
        try (SSLSocket c = (SSLSocket) trustNothing.getSocketFactory().createSocket("127.0.0.1", port(s))) {
            c.setSoTimeout(TIMEOUT_MILLIS);
            assertThrows(SSLException.class, c::startHandshake);
        }
        try (SSLSocket c = tls(s)) {
            c.getOutputStream().write(RawClient.get("/health").getBytes(StandardCharsets.US_ASCII));
            String head = new String(readN(c.getInputStream(), 15), StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 200 OK", head);
        }
    }

    @Test
    void httpsWithoutAlpnIsHttp11() throws Exception {
        Running s = start("http", certs);
        try (SSLSocket c = tls(s)) {
            assertEquals("", c.getApplicationProtocol());
            c.getOutputStream().write(("GET /bytes/26 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String all = new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(all.startsWith("HTTP/1.1 200 OK\r\n"), all);
            assertTrue(all.contains("\r\nconnection: close\r\n"), all);
            assertTrue(all.endsWith("\r\n\r\nabcdefghijklmnopqrstuvwxyz"), all);
        }
    }

    @Test
    void httpsOverH2WithRawFrames() throws Exception {
        Running s = start("http", certs);
        try (SSLSocket sock = tls(s, "h2", "http/1.1"); H2Client c = new H2Client(sock)) {
            assertEquals("h2", sock.getApplicationProtocol());
            c.handshake();
            c.request(1, "GET", "/bytes/1048576");
            c.request(3, "GET", "/health");
            var got = c.readResponses(1, 2);
            Http2Test.assertBytes(got.get(1), 1 << 20);
            assertEquals("ok", got.get(3).text());
        }
    }

    /** A java.net.http client that trusts the test certificate and speaks version. */
    private static HttpClient httpClient(HttpClient.Version version) {
        return HttpClient.newBuilder().version(version).sslContext(client)
                .connectTimeout(Duration.ofMillis(TIMEOUT_MILLIS)).build();
    }

    @Test
    void httpsWithJavaHttpClient() throws Exception {
        Running s = start("http", certs);
        String base = "https://127.0.0.1:" + port(s);
        for (HttpClient.Version v : HttpClient.Version.values()) {
            HttpClient hc = httpClient(v);
            HttpResponse<byte[]> r = hc.send(HttpRequest.newBuilder(URI.create(base + "/bytes/1048576"))
                    .timeout(Duration.ofMillis(TIMEOUT_MILLIS)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(v, r.version(), "the version ALPN chose");
            assertEquals(200, r.statusCode());
            assertEquals("application/octet-stream", r.headers().firstValue("content-type").orElse(""));
            assertEquals("1048576", r.headers().firstValue("content-length").orElse(""));
            assertArrayEquals(Http2Test.pattern(1 << 20), r.body());
            HttpResponse<String> missing = hc.send(HttpRequest.newBuilder(URI.create(base + "/x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, missing.statusCode());
        }
    }

    @Test
    void manyConcurrentH2StreamsWithJavaHttpClient() throws Exception {
        Running s = start("http", certs);
        HttpClient hc = httpClient(HttpClient.Version.HTTP_2);
        String base = "https://127.0.0.1:" + port(s);
        // One request first, so that the others share its connection.
        assertEquals(200, hc.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
        List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String path = i % 4 == 0 ? "/delay/20ms/bytes/" + i : "/bytes/" + (i * 37);
            all.add(hc.sendAsync(HttpRequest.newBuilder(URI.create(base + path)).build(),
                    HttpResponse.BodyHandlers.ofByteArray()));
        }
        for (int i = 0; i < all.size(); i++) {
            HttpResponse<byte[]> r = all.get(i).get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            assertEquals(HttpClient.Version.HTTP_2, r.version());
            assertArrayEquals(Http2Test.pattern(i % 4 == 0 ? i : i * 37), r.body());
        }
    }

    @Test
    void stopSendsGoAwayOverTls() throws Exception {
        Running s = start("http", certs);
        try (SSLSocket sock = tls(s, "h2"); H2Client c = new H2Client(sock)) {
            c.handshake();
            c.request(1, "GET", "/bytes/5");
            Http2Test.assertBytes(c.readResponse(1), 5);
            Thread stopper = new Thread(s::stop);
            stopper.start();
            assertTrue(c.readUntilClosed(), "no GOAWAY before the close");
            stopper.join(TIMEOUT_MILLIS);
        }
        started.clear();
    }
}
