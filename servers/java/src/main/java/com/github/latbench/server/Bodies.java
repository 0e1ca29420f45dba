/*
 * The pure parts of the HTTP mode: the body pattern, the size of GET /bytes/N, the delay D of
 * GET /delay/D/bytes/N and the request path.
 */
package com.github.latbench.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.concurrent.TimeUnit;

/** Helpers of the HTTP mode that need no channel. */
final class Bodies {

    /** The largest body GET /bytes/N serves: 16 MiB. */
    static final int MAX_BYTES = 16 << 20;

    /**
     * The length of the precomputed pattern: a whole number of alphabets (26 × 2521 = 65546 bytes),
     * so consecutive slices of it that each start at 0 continue the pattern.
     */
    static final int PATTERN_SIZE = 26 * 2521;

    /** The longest delay GET /delay/D/bytes/N waits: 60 s. */
    static final long MAX_DELAY_NANOS = TimeUnit.SECONDS.toNanos(60);

    private Bodies() {
    }

    /**
     * Returns a new heap array of PATTERN_SIZE bytes where byte i is 'a' + i % 26: the pattern of
     * the blocking forms, which do not use Netty's buffers.
     */
    static byte[] newPatternArray() {
        byte[] b = new byte[PATTERN_SIZE];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    /** Returns a new direct, unpooled buffer of PATTERN_SIZE bytes where byte i is 'a' + i % 26. */
    static ByteBuf newPattern() {
        ByteBuf buf = Unpooled.directBuffer(PATTERN_SIZE, PATTERN_SIZE);
        for (int i = 0; i < PATTERN_SIZE; i++) {
            buf.writeByte('a' + i % 26);
        }
        return buf;
    }

    /**
     * Parses s, from index start on, as a plain decimal integer from 0 to MAX_BYTES; it returns -1
     * for anything else (empty, a sign, non-digits, too large).
     */
    static int parseSize(String s, int start) {
        if (start >= s.length()) {
            return -1;
        }
        int n = 0;
        for (int i = start; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9' || n > MAX_BYTES) {
                return -1; // n stays below MAX_BYTES * 10 + 9, far from overflowing an int.
            }
            n = n * 10 + (c - '0');
        }
        return n <= MAX_BYTES ? n : -1;
    }

    /**
     * Parses a delay: a plain decimal integer followed by the unit us, ms or s ("0ms", "250us",
     * "2s"). It returns the delay in nanoseconds, or -1 for anything else (no digits, no or another
     * unit, a sign, a fraction, more than 60 s).
     */
    static long parseDelay(String s) {
        int unitAt = 0;
        while (unitAt < s.length() && s.charAt(unitAt) >= '0' && s.charAt(unitAt) <= '9') {
            unitAt++;
        }
        long unitNanos = switch (s.substring(unitAt)) {
            case "us" -> TimeUnit.MICROSECONDS.toNanos(1);
            case "ms" -> TimeUnit.MILLISECONDS.toNanos(1);
            case "s" -> TimeUnit.SECONDS.toNanos(1);
            default -> -1;
        };
        if (unitAt == 0 || unitNanos < 0) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < unitAt; i++) {
            n = n * 10 + (s.charAt(i) - '0');
            if (n * unitNanos > MAX_DELAY_NANOS) {
                return -1; // Checked at every digit, so n * unitNanos never overflows.
            }
        }
        return n * unitNanos;
    }

    /**
     * Returns the path of a request target: without its query, and without scheme and authority
     * for an absolute URI ("http://host/p" gives "/p").
     */
    static String path(String uri) {
        int start = 0;
        if (!uri.startsWith("/")) {
            int scheme = uri.indexOf("://");
            if (scheme < 0) {
                return uri;
            }
            int slash = uri.indexOf('/', scheme + 3);
            if (slash < 0) {
                return "/";
            }
            start = slash;
        }
        int end = uri.indexOf('?', start);
        if (end < 0) {
            end = uri.length();
        }
        return start == 0 && end == uri.length() ? uri : uri.substring(start, end);
    }
}
