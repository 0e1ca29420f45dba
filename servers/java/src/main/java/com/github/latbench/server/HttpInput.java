/*
 * The buffered request input of the blocking HTTP form.
 */
package com.github.latbench.server;

import java.io.EOFException;
import java.io.Flushable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads request lines and bodies from a connection through a buffer of its own. Before each read
 * that may block it flushes the connection's output, so the answers of pipelined requests that
 * arrived together share a flush, and no answer waits behind a read.
 */
final class HttpInput {

    /** The size of one read from the socket. */
    private static final int BUFFER_SIZE = 16 << 10;
    /** The longest line any caller asks for. */
    static final int MAX_LINE = 8192;

    private final InputStream in;
    private final Flushable out;
    private final byte[] buf = new byte[BUFFER_SIZE];
    private final byte[] line = new byte[MAX_LINE];
    private int pos;
    private int limit;

    HttpInput(InputStream in, Flushable out) {
        this.in = in;
        this.out = out;
    }

    /**
     * Returns the next line without its LF or CRLF, decoded as ISO-8859-1, or null if the input
     * ends before its first byte. A line longer than max bytes (at most MAX_LINE) is malformed; an
     * input that ends within a line throws EOFException.
     */
    String readLine(int max) throws IOException, MalformedRequestException {
        int len = 0;
        while (true) {
            if (pos == limit && !fill()) {
                if (len == 0) {
                    return null;
                }
                throw new EOFException("connection closed within a line");
            }
            byte b = buf[pos++];
            if (b == '\n') {
                if (len > 0 && line[len - 1] == '\r') {
                    len--;
                }
                return new String(line, 0, len, StandardCharsets.ISO_8859_1);
            }
            if (len >= Math.min(max + 1, MAX_LINE)) { // + 1: room for the CR of a line of max bytes.
                throw new MalformedRequestException("line longer than " + max + " bytes");
            }
            line[len++] = b;
        }
    }

    /** Like readLine, but an input that ends before the line throws EOFException. */
    String requireLine(int max) throws IOException, MalformedRequestException {
        String s = readLine(max);
        if (s == null) {
            throw new EOFException("connection closed before a line");
        }
        return s;
    }

    /** Reads and drops n bytes; an input that ends first throws EOFException. */
    void skip(long n) throws IOException {
        while (n > 0) {
            if (pos == limit && !fill()) {
                throw new EOFException("connection closed within a body");
            }
            int k = (int) Math.min(n, limit - pos);
            pos += k;
            n -= k;
        }
    }

    /** Flushes the output, then reads more input; it returns false at the end of the input. */
    private boolean fill() throws IOException {
        out.flush();
        int n = in.read(buf);
        if (n <= 0) {
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }
}
