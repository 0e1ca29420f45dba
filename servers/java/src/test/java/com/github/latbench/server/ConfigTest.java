/*
 * Tests of the command-line parsing.
 */
package com.github.latbench.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigTest {

    private static Config parse(String... args) throws Exception {
        return Config.parse(List.of(args), 3);
    }

    @Test
    void parsesEveryFlag() throws Exception {
        Config c = parse("--mode", "proxy", "--listen", "127.0.0.1:8080", "--backend", "127.0.0.1:9090",
                "--threads", "2");
        assertEquals("proxy", c.mode());
        assertEquals("127.0.0.1:8080", Config.format(c.listen()));
        assertEquals("127.0.0.1:9090", Config.format(c.backend()));
        assertEquals(2, c.threads());
    }

    @Test
    void acceptsEqualsAndSingleDash() throws Exception {
        Config c = parse("-mode=http", "--listen=[::1]:0");
        assertEquals("http", c.mode());
        assertEquals("[::1]:0", Config.format(c.listen()));
        assertNull(c.backend());
    }

    @Test
    void threadsDefault() throws Exception {
        assertEquals(3, parse("--mode", "echo", "--listen", "127.0.0.1:1").threads());
    }

    @Test
    void ioAndWorkersDefault() throws Exception {
        Config c = parse("--mode", "echo", "--listen", "127.0.0.1:1");
        assertEquals(Config.Io.ASYNC, c.io());
        assertEquals(8, c.workers());
    }

    @ParameterizedTest
    @CsvSource({
        "async, ASYNC", "blocking, BLOCKING", "virtual, VIRTUAL",
    })
    void parsesIo(String flag, Config.Io want) throws Exception {
        assertEquals(want, parse("--mode", "http", "--listen", "127.0.0.1:1", "--io", flag).io());
        assertEquals(want, parse("--mode", "http", "--listen", "127.0.0.1:1", "-io=" + flag).io());
        assertEquals(flag, want.toString());
    }

    @Test
    void parsesWorkers() throws Exception {
        Config c = parse("--mode", "http", "--listen", "127.0.0.1:1", "--io", "blocking", "--workers", "2");
        assertEquals(Config.Io.BLOCKING, c.io());
        assertEquals(2, c.workers());
        assertEquals(1000, parse("--mode", "echo", "--listen", "127.0.0.1:1", "--workers=1000").workers());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--io threads               | --io must be async, blocking or virtual, got \"threads\"",
        "--io Blocking              | --io must be async, blocking or virtual, got \"Blocking\"",
        "--io=                      | --io must be async, blocking or virtual, got \"\"",
        "--io                       | flag needs an argument: --io",
        "--workers 0                | --workers must be at least 1, got 0",
        "--workers -3               | --workers must be at least 1, got -3",
        "--workers x                | invalid value \"x\" for flag --workers",
        "--workers 99999999999      | invalid value \"99999999999\" for flag --workers",
        "--workers                  | flag needs an argument: --workers",
    })
    void rejectsBadIoAndWorkers(String flags, String message) {
        List<String> args = new ArrayList<>(List.of("--mode", "echo", "--listen", "127.0.0.1:1"));
        args.addAll(List.of(flags.split(" ")));
        Config.UsageException e = assertThrows(Config.UsageException.class, () -> Config.parse(args, 3));
        assertEquals(message, e.getMessage());
    }

    @Test
    void usageDocumentsTheIoForms() {
        assertTrue(Config.USAGE.contains("--io async|blocking|virtual"), Config.USAGE);
        assertTrue(Config.USAGE.contains("ignored by --io blocking and virtual"), Config.USAGE);
        assertTrue(Config.USAGE.contains("--workers  threads of --io blocking (default 8)"), Config.USAGE);
    }

    @Test
    void parsesGrpcAndTls() throws Exception {
        Config c = parse("--mode", "grpc", "--listen", "127.0.0.1:1", "--tls-cert", "c.pem", "--tls-key=k.pem");
        assertEquals("grpc", c.mode());
        assertEquals("c.pem", c.tlsCert());
        assertEquals("k.pem", c.tlsKey());
        assertTrue(c.tls());
        Config plain = parse("--mode", "http", "--listen", "127.0.0.1:1");
        assertNull(plain.tlsCert());
        assertEquals(false, plain.tls());
        for (String mode : List.of("echo", "http")) {
            assertTrue(parse("--mode", mode, "--listen", "127.0.0.1:1", "-tls-cert", "c", "-tls-key", "k").tls());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--mode http --tls-cert c.pem                        | --tls-key FILE is missing: --tls-cert needs it",
        "--mode grpc --tls-key k.pem                         | --tls-cert FILE is missing: --tls-key needs it",
        "--mode http --tls-cert= --tls-key k.pem             | invalid value \"\" for flag --tls-cert",
        "--mode proxy --backend 127.0.0.1:2 --tls-cert c --tls-key k | --mode proxy does not take TLS: "
            + "--tls-cert and --tls-key are for echo, http and grpc",
        "--mode proxy --backend 127.0.0.1:2 --tls-key k      | --mode proxy does not take TLS: "
            + "--tls-cert and --tls-key are for echo, http and grpc",
        "--mode grpc --io blocking                           | --mode grpc is served by --io async only, not --io blocking",
        "--mode grpc --io virtual                            | --mode grpc is served by --io async only, not --io virtual",
        "--mode http --io blocking --tls-cert c --tls-key k  | TLS (--tls-cert, --tls-key) is served by --io async only, "
            + "not --io blocking",
        "--mode echo --io virtual --tls-cert c --tls-key k   | TLS (--tls-cert, --tls-key) is served by --io async only, "
            + "not --io virtual",
        "--mode smtp                                         | --mode must be echo, http, proxy or grpc, got \"smtp\"",
    })
    void rejectsBadTlsAndGrpcCombinations(String flags, String message) {
        List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:1"));
        args.addAll(List.of(flags.split(" ")));
        Config.UsageException e = assertThrows(Config.UsageException.class, () -> Config.parse(args, 3));
        assertEquals(message, e.getMessage());
    }

    @Test
    void usageDocumentsTlsAndGrpc() {
        assertTrue(Config.USAGE.contains("--mode echo|http|proxy|grpc"), Config.USAGE);
        assertTrue(Config.USAGE.contains("[--tls-cert FILE --tls-key FILE]"), Config.USAGE);
        assertTrue(Config.USAGE.contains("  --tls-cert "), Config.USAGE);
        assertTrue(Config.USAGE.contains("  --tls-key "), Config.USAGE);
    }

    @Test
    void emptyHostListensEverywhere() throws Exception {
        Config c = parse("--mode", "echo", "--listen", ":7000");
        assertEquals(7000, c.listen().getPort());
        assertEquals(true, c.listen().getAddress().isAnyLocalAddress());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",                                                        // no flags at all
        "--mode echo",                                             // missing --listen
        "--listen 127.0.0.1:1",                                    // missing --mode
        "--mode ftp --listen 127.0.0.1:1",                         // bad mode
        "--mode proxy --listen 127.0.0.1:1",                       // proxy without backend
        "--mode echo --listen 127.0.0.1:1 --threads 0",            // threads < 1
        "--mode echo --listen 127.0.0.1:1 --threads x",            // threads not a number
        "--mode echo --listen 127.0.0.1:1 --nope 1",               // unknown flag
        "--mode echo --listen 127.0.0.1:1 stray",                  // positional argument
        "--mode echo --listen",                                    // flag without value
        "--mode echo --listen 127.0.0.1",                          // no port
        "--mode echo --listen 127.0.0.1:99999",                    // port out of range
        "--mode echo --listen ::1:80",                             // IPv6 without brackets
    })
    void rejectsBadCommandLines(String line) {
        String[] args = line.isEmpty() ? new String[0] : line.split(" ");
        assertThrows(Config.UsageException.class, () -> parse(args));
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h", "-help"})
    void help(String flag) {
        assertThrows(Config.HelpException.class, () -> parse("--mode", "echo", flag));
    }
}
