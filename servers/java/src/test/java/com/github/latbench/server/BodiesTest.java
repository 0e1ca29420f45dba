/*
 * Tests of the HTTP mode's pure helpers: the size of /bytes/N, the pattern and the request path.
 */
package com.github.latbench.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
