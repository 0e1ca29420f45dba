/*
 * Tests of the command-line parsing.
 */
package com.github.latbench.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
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
