/*
 * Tests of the HTTP mode's pure helpers: the size of /bytes/N, the delay of /delay/D/bytes/N, the
 * pattern and the request path.
 */
package com.github.latbench.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BodiesTest {

    @ParameterizedTest
    @CsvSource({
        "0, 0", "1, 1", "26, 26", "16777216, 16777216", "007, 7", "0000000000000001, 1",
        "16777217, -1", "99999999999999999999, -1", "-1, -1", "+1, -1", "1.5, -1", "abc, -1",
        "1e3, -1", "' 1', -1", "0x10, -1",
    })
    void parseSize(String s, int want) {
        assertEquals(want, Bodies.parseSize("/bytes/" + s, "/bytes/".length()));
    }

    @Test
    void parseSizeOfNothing() {
        assertEquals(-1, Bodies.parseSize("/bytes/", "/bytes/".length()));
    }

    @ParameterizedTest
    @CsvSource({
        "0ms, 0", "250us, 250000", "100ms, 100000000", "2s, 2000000000", "60s, 60000000000",
        "60000ms, 60000000000", "60000000us, 60000000000", "007ms, 7000000", "0us, 0", "0s, 0",
    })
    void parseDelayAcceptsWholeNumbersOfAUnitUpTo60s(String s, long wantNanos) {
        assertEquals(wantNanos, Bodies.parseDelay(s));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "61s", "60001ms", "60000001us", "99999999999999999999s", "1m", "-1ms", "+1ms", "1.5ms", "ms",
        "10", "10xs", "10ns", "10MS", "1 ms", " 1ms", "1ms ", "1e3ms", "", "s", "0x10ms", "1mss", "1h",
    })
    void parseDelayRejectsTheRest(String s) {
        assertEquals(-1, Bodies.parseDelay(s), s);
    }

    @Test
    void patternArrayIsTheAlphabetOverAndOver() {
        byte[] p = Bodies.newPatternArray();
        assertEquals(Bodies.PATTERN_SIZE, p.length);
        for (int i = 0; i < p.length; i++) {
            assertEquals('a' + i % 26, p[i], "byte " + i);
        }
    }

    @Test
    void patternIsTheAlphabetOverAndOver() {
        ByteBuf p = Bodies.newPattern();
        try {
            assertEquals(Bodies.PATTERN_SIZE, p.readableBytes());
            assertEquals(0, Bodies.PATTERN_SIZE % 26, "slices from 0 must continue one another");
            for (int i = 0; i < p.readableBytes(); i++) {
                assertEquals('a' + i % 26, p.getByte(i), "byte " + i);
            }
        } finally {
            p.release();
        }
    }

    @ParameterizedTest
    @CsvSource({
        "/bytes/5, /bytes/5",
        "/bytes/5?x=1, /bytes/5",
        "/health?, /health",
        "http://host:80/bytes/5?q, /bytes/5",
        "http://host, /",
        "*, *",
    })
    void path(String uri, String want) {
        assertEquals(want, Bodies.path(uri));
    }
}
