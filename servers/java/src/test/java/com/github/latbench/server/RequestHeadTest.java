/*
 * Tests of the request parser of the blocking HTTP form.
 */
package com.github.latbench.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestHeadTest {

    /** Returns an input over s, whose CR and LF may be written as \r and \n. */
    private static HttpInput input(String s) {
        byte[] b = s.replace("\\r", "\r").replace("\\n", "\n").getBytes(StandardCharsets.ISO_8859_1);
        return new HttpInput(new ByteArrayInputStream(b), () -> { });
    }

    private static RequestHead read(String s) throws Exception {
        return RequestHead.read(input(s));
    }

    @Test
    void readsAGet() throws Exception {
        RequestHead h = read("GET /bytes/5?x=1 HTTP/1.1\r\nHost: test\r\n\r\n");
        assertEquals("GET", h.method());
        assertEquals("/bytes/5?x=1", h.target());
        assertEquals(1, h.major());
        assertEquals(1, h.minor());
        assertTrue(h.keepAlive());
        assertFalse(h.http10());
        assertEquals(0, h.contentLength());
        assertFalse(h.chunked());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "GET / HTTP/1.1\\r\\n\\r\\n                                 | true",
        "GET / HTTP/1.1\\r\\nConnection: close\\r\\n\\r\\n              | false",
        "GET / HTTP/1.1\\r\\nconnection: Keep-Alive, CLOSE\\r\\n\\r\\n  | false",
        "GET / HTTP/1.0\\r\\n\\r\\n                                 | false",
        "GET / HTTP/1.0\\r\\nConnection: keep-alive\\r\\n\\r\\n         | true",
        "GET / HTTP/1.0\\r\\nConnection: upgrade, Keep-Alive\\r\\n\\r\\n | true",
        "GET / HTTP/1.1\\nHost: lf-only\\n\\n                      | true",
    })
    void keepAlive(String req, boolean want) throws Exception {
        assertEquals(want, read(req).keepAlive());
    }

    @Test
    void skipsEmptyLinesBeforeARequest() throws Exception {
        assertEquals("/x", read("\r\n\r\nGET /x HTTP/1.1\r\n\r\n").target());
    }

    @Test
    void endOfInputBeforeARequestIsNull() throws Exception {
        assertNull(read(""));
        assertNull(read("\r\n"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET / HTT", "GET / HTTP/1.1\\r\\nHost: x\\r\\n", "GET / HTTP/1.1\\r\\nHost"})
    void endOfInputWithinAHeadThrows(String req) {
        assertThrows(EOFException.class, () -> read(req));
    }

    @Test
    void readsOtherMajorVersions() throws Exception {
        assertEquals(2, read("GET / HTTP/2.0\r\n\r\n").major());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "GARBAGE\\r\\n\\r\\n",
        "GET /\\r\\n\\r\\n",
        "GET / HTTP/1.1 extra\\r\\n\\r\\n",
        "GET  / HTTP/1.1\\r\\n\\r\\n",
        "GET / FOO/1.1\\r\\n\\r\\n",
        "GET / HTTP/1.10\\r\\n\\r\\n",
        "GET / HTTP/x.1\\r\\n\\r\\n",
        "G(T / HTTP/1.1\\r\\n\\r\\n",
        "GET /health HTTP/1.1\\r\\nHost: test\\r\\nNoColonHere\\r\\n\\r\\n",
        "GET / HTTP/1.1\\r\\n: empty name\\r\\n\\r\\n",
        "GET / HTTP/1.1\\r\\nHost : space before colon\\r\\n\\r\\n",
        "GET / HTTP/1.1\\r\\nHost: a\\r\\n folded\\r\\n\\r\\n",
        "GET /health HTTP/1.1\\r\\nHost: test\\r\\nContent-Length: x\\r\\n\\r\\n",
        "GET / HTTP/1.1\\r\\nContent-Length: -1\\r\\n\\r\\n",
        "GET / HTTP/1.1\\r\\nContent-Length: 1e3\\r\\n\\r\\n",
        "GET / HTTP/1.1\\r\\nContent-Length: 9999999999999999999\\r\\n\\r\\n",
        "GET / HTTP/1.1\\r\\nContent-Length: 1\\r\\nContent-Length: 2\\r\\n\\r\\n",
        "GET / HTTP/1.1\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\n",
        "GET / HTTP/1.1\\r\\nTransfer-Encoding: chunked, gzip\\r\\n\\r\\n",
    })
    void rejectsMalformedHeads(String req) {
        assertThrows(MalformedRequestException.class, () -> read(req));
    }

    @Test
    void rejectsARequestLineOver4096Bytes() throws Exception {
        String ok = "GET /" + "a".repeat(RequestHead.MAX_REQUEST_LINE - 14) + " HTTP/1.1";
        assertEquals(RequestHead.MAX_REQUEST_LINE, ok.length());
        assertEquals("GET", read(ok + "\r\n\r\n").method());
        assertThrows(MalformedRequestException.class, () -> read("GET /a" + ok.substring(5) + "\r\n\r\n"));
    }

    @Test
    void rejectsHeadersOver8192Bytes() throws Exception {
        String header = "X-Big: " + "a".repeat(1000) + "\r\n";
        assertEquals("GET", read("GET / HTTP/1.1\r\n" + header.repeat(8) + "\r\n").method());
        assertThrows(MalformedRequestException.class,
                () -> read("GET / HTTP/1.1\r\n" + header.repeat(9) + "\r\n"));
    }

    @Test
    void sameContentLengthTwiceIsFine() throws Exception {
        assertEquals(3, read("POST / HTTP/1.1\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\n").contentLength());
    }

    @Test
    void skipsAContentLengthBody() throws Exception {
        HttpInput in = input("POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\n\r\n");
        RequestHead first = RequestHead.read(in);
        assertEquals(5, first.contentLength());
        first.skipBody(in);
        assertEquals("/b", RequestHead.read(in).target());
    }

    @Test
    void skipsAChunkedBody() throws Exception {
        HttpInput in = input("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 99\r\n\r\n"
                + "5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
        RequestHead first = RequestHead.read(in);
        assertTrue(first.chunked());
        first.skipBody(in);
        assertEquals("/b", RequestHead.read(in).target());
    }

    @ParameterizedTest
    @ValueSource(strings = {"x\\r\\n", "\\r\\n", "-1\\r\\n", "3\\r\\nabcd\\r\\n0\\r\\n\\r\\n"})
    void rejectsABrokenChunkedBody(String body) throws Exception {
        HttpInput in = input("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
        RequestHead h = RequestHead.read(in);
        assertThrows(MalformedRequestException.class, () -> h.skipBody(in));
    }
}
