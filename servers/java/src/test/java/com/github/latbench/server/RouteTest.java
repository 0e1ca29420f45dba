/*
 * Tests of the routing of the HTTP mode, which every I/O form shares.
 */
package com.github.latbench.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RouteTest {

    @ParameterizedTest
    @CsvSource({
        // path,                     size, delay in ns (-1: none)
        "/bytes/10,                  10,   -1",
        "/bytes/0,                   0,    -1",
        "/delay/50ms/bytes/10,       10,   50000000",
        "/delay/0ms/bytes/0,         0,    0",
        "/delay/250us/bytes/16777216, 16777216, 250000",
        "/delay/60s/bytes/1,         1,    60000000000",
    })
    void bodies(String path, int size, long delay) {
        Route r = Route.of(true, path);
        assertEquals(200, r.status());
        assertTrue(r.isBytes());
        assertNull(r.text());
        assertEquals(size, r.size());
        assertEquals(delay, r.delayNanos());
        assertEquals(delay >= 0, r.delayed());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "true  | /health                | 200 | ok",
        "true  | /nope                  | 404 | 404 page not found",
        "true  | /bytes/                | 404 | 404 page not found",
        "true  | /bytes/1/2             | 404 | 404 page not found",
        "true  | /delay/100ms           | 404 | 404 page not found",
        "true  | /delay/100ms/bytes/    | 404 | 404 page not found",
        "true  | /delay//bytes/1        | 404 | 404 page not found",
        "true  | /delay/1ms/bytes/1/x   | 404 | 404 page not found",
        "true  | /delay/1ms/byte/1      | 404 | 404 page not found",
        "true  | /delay/1ms/1ms/bytes/1 | 404 | 404 page not found",
        "false | /nope                  | 404 | 404 page not found",
        "false | /delay/1ms/bytes/1     | 405 | Method Not Allowed",
        "false | /health                | 405 | Method Not Allowed",
        "true  | /bytes/abc             | 400 | size must be a decimal integer from 0 to 16777216",
        "true  | /delay/1ms/bytes/abc   | 400 | size must be a decimal integer from 0 to 16777216",
        "true  | /delay/1ms/bytes/16777217 | 400 | size must be a decimal integer from 0 to 16777216",
        "true  | /delay/61s/bytes/1     | 400 | delay must be a whole number of us, ms or s, at most 60s",
        "true  | /delay/1m/bytes/1      | 400 | delay must be a whole number of us, ms or s, at most 60s",
        "true  | /delay/x/bytes/abc     | 400 | delay must be a whole number of us, ms or s, at most 60s",
    })
    void textAnswers(boolean getOrHead, String path, int status, String text) {
        Route r = Route.of(getOrHead, path);
        assertEquals(status, r.status());
        assertFalse(r.isBytes());
        assertEquals(text, r.text().strip());
        assertTrue(r.text().equals("ok") || r.text().endsWith("\n"), "text answers but ok end in a newline");
    }

    @Test
    void reasons() {
        assertEquals("OK", Route.reason(200));
        assertEquals("Bad Request", Route.reason(400));
        assertEquals("Not Found", Route.reason(404));
        assertEquals("Method Not Allowed", Route.reason(405));
        assertEquals("HTTP Version Not Supported", Route.reason(505));
    }
}
