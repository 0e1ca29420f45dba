/*
 * Tests of the server as a process: the exit codes and messages of bad TLS and gRPC flags, the
 * start line, quiet logs, and SIGTERM (GOAWAY, then exit 0).
 */
package com.github.latbench.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainProcessTest {

    /** Bounds a JVM's start and exit: loose, for a busy 2-core machine. */
    private static final long PROCESS_SECONDS = 60;
    private static final Pattern LISTEN = Pattern.compile(" listen=(\\S+) ");

    @TempDir
    static Path dir;
    private static TestCerts certs;
    private static TestCerts other;

    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void makeCerts() throws Exception {
        certs = TestCerts.ec(dir.resolve("a"));
        other = TestCerts.ec(dir.resolve("b"));
    }

    @AfterEach
    void kill() {
        started.forEach(Process::destroyForcibly);
    }

    /** Starts the server's main in a JVM of its own, on the test class path, stderr to a file. */
    private Process launch(String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx128m", "-cp", cp, Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        started.add(p);
        return p;
    }

    /** Runs the server with args, which must fail; returns its stderr after checking exit code 2. */
    private String failing(String... args) throws Exception {
        Process p = launch(args);
        assertTrue(p.waitFor(PROCESS_SECONDS, TimeUnit.SECONDS), "still running");
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.exitValue(), err);
        return err;
    }

    @Test
    void badFlagsExit2AndSaySo() throws Exception {
        String c = certs.certFile().toString();
        String k = certs.keyFile().toString();
        String err = failing("--mode", "proxy", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:1",
                "--tls-cert", c, "--tls-key", k);
        assertTrue(err.contains("--mode proxy does not take TLS"), err);
        assertTrue(err.contains("Usage:"), err);
        err = failing("--mode", "http", "--listen", "127.0.0.1:0", "--tls-cert", c);
        assertTrue(err.contains("--tls-key FILE is missing"), err);
        err = failing("--mode", "grpc", "--listen", "127.0.0.1:0", "--io", "blocking");
        assertTrue(err.contains("--mode grpc is served by --io async only"), err);
        err = failing("--mode", "echo", "--listen", "127.0.0.1:0", "--io", "blocking", "--tls-cert", c,
                "--tls-key", k);
        assertTrue(err.contains("TLS (--tls-cert, --tls-key) is served by --io async only"), err);
    }

    @Test
    void badFilesExit2AndNameTheFile() throws Exception {
        String missing = dir.resolve("nope.pem").toString();
        String err = failing("--mode", "echo", "--listen", "127.0.0.1:0", "--tls-cert", missing,
                "--tls-key", certs.keyFile().toString());
        assertEquals(Main.PROG + ": --tls-cert " + missing + ": cannot read: no such file\n", err);
        err = failing("--mode", "grpc", "--listen", "127.0.0.1:0", "--tls-cert", certs.certFile().toString(),
                "--tls-key", other.keyFile().toString());
        assertTrue(err.startsWith(Main.PROG + ": --tls-key " + other.keyFile()
                + ": the private key does not match"), err);
    }

    /** A started server: its process, its stderr and the address of its start line. */
    private record Started(Process process, BufferedReader stderr, String startLine, String address) {
    }

    /** Starts a server that must come up; returns it once its start line is out. */
    private Started serving(String... args) throws Exception {
        Process p = launch(args);
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        String line = readLine(err); // Ends when the process does, if it never starts.
        assertTrue(line != null && line.startsWith(Main.PROG + ": mode="), "start line: " + line);
        Matcher m = LISTEN.matcher(line);
        assertTrue(m.find(), line);
        return new Started(p, err, line, m.group(1));
    }

    /**
     * Reads a line of the server's stderr, skipping the JVM's own warnings: a JDK newer than 21
     * warns about Netty's use of sun.misc.Unsafe and of native code (lines "WARNING: ...", then
     * an empty one).
     */
    private static String readLine(BufferedReader err) throws IOException {
        String l = err.readLine();
        while (l != null && (l.startsWith("WARNING: ") || l.isEmpty())) {
            l = err.readLine();
        }
        return l;
    }

    /** Sends SIGTERM and checks exit 0 and that nothing was logged after the start line. */
    private static void terminate(Started s) throws Exception {
        if (s.process().isAlive()) {
            s.process().toHandle().destroy(); // SIGTERM, leaving the stderr pipe open
        }
        assertTrue(s.process().waitFor(PROCESS_SECONDS, TimeUnit.SECONDS), "still running after SIGTERM");
        assertEquals(0, s.process().exitValue());
        StringBuilder rest = new StringBuilder();
        for (String l = readLine(s.stderr()); l != null; l = readLine(s.stderr())) {
            rest.append(l).append('\n');
        }
        assertEquals("", rest.toString(), "logged after the start line");
    }

    @Test
    void h2cGetsGoAwayAtSigtermAndExits0() throws Exception {
        Started s = serving("--mode", "http", "--listen", "127.0.0.1:0", "--threads", "1");
        assertTrue(s.startLine().matches(Main.PROG
                + ": mode=http io=async listen=127\\.0\\.0\\.1:\\d+ threads=1 transport=(epoll|nio) tls=off"),
                s.startLine());
        try (H2Client c = H2Client.connect(s.address()).handshake()) {
            c.request(1, "GET", "/bytes/10");
            Http2Test.assertBytes(c.readResponse(1), 10);
            // Garbage on another connection: closed quietly.
            try (RawClient bad = new RawClient(s.address())) {
                bad.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\u0000\u0000\u0001\u0009garbage");
                bad.closedByServer();
            }
            s.process().toHandle().destroy(); // SIGTERM, leaving the stderr pipe open
            assertTrue(c.readUntilClosed(), "no GOAWAY before the close");
        }
        terminate(s);
    }

    @Test
    void grpcOverTlsStartsQuietlyAndExits0() throws Exception {
        Started s = serving("--mode", "grpc", "--listen", "127.0.0.1:0", "--tls-cert", certs.certFile().toString(),
                "--tls-key", certs.keyFile().toString());
        assertTrue(s.startLine().startsWith(Main.PROG + ": mode=grpc io=async listen="), s.startLine());
        assertTrue(s.startLine().endsWith(" tls=on"), s.startLine());
        // A connection that is not TLS, and one that is not HTTP/2: closed, not logged.
        try (RawClient bad = new RawClient(s.address())) {
            bad.send(RawClient.get("/"));
            bad.closedByServer();
        }
        try (javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) certs.clientContext().getSocketFactory()
                .createSocket("127.0.0.1", Integer.parseInt(s.address().substring(s.address().lastIndexOf(':') + 1)))) {
            tls.setSoTimeout(20_000);
            tls.getOutputStream().write(RawClient.get("/").getBytes(StandardCharsets.US_ASCII));
            tls.getInputStream().readAllBytes();
        } catch (IOException e) {
            // A reset is a close too.
        }
        terminate(s);
    }

    @Test
    void echoOverTlsInAProcess() throws Exception {
        Started s = serving("--mode", "echo", "--listen", "127.0.0.1:0", "--tls-cert", certs.certFile().toString(),
                "--tls-key", certs.legacyKeyFile().toString());
        assertTrue(s.startLine().endsWith(" tls=on"), s.startLine());
        int port = Integer.parseInt(s.address().substring(s.address().lastIndexOf(':') + 1));
        try (java.net.Socket c = certs.clientContext().getSocketFactory().createSocket("127.0.0.1", port)) {
            c.setSoTimeout(20_000);
            c.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            assertArrayEquals("ping".getBytes(StandardCharsets.US_ASCII), c.getInputStream().readNBytes(4));
        }
        terminate(s);
    }
}
