/*
 * The request parser of the blocking HTTP form.
 */
package com.github.latbench.server;

import java.io.IOException;
import java.util.Locale;

/**
 * The parts of a request head the server needs. A body is described by contentLength (0 when there
 * is none) or chunked. The limits are those of Netty's decoder in the async form: 4096 bytes for
 * the request line and 8192 for the header block.
 */
record RequestHead(String method, String target, int major, int minor, boolean keepAlive,
        long contentLength, boolean chunked) {

    /** The longest request line. */
    static final int MAX_REQUEST_LINE = 4096;
    /** The most bytes of all header lines (and of the trailer lines of a chunked body). */
    static final int MAX_HEADER_BYTES = 8192;
    /** The longest chunk-size line of a chunked body. */
    private static final int MAX_CHUNK_LINE = 4096;
    /** The most digits of a Content-Length: below 10^18, so it fits a long. */
    private static final int MAX_LENGTH_DIGITS = 18;
    /** The most hex digits of a chunk size: below 16^15, so it fits a long. */
    private static final int MAX_CHUNK_DIGITS = 15;

    /** Reports whether this request is HTTP/1.0. */
    boolean http10() {
        return major == 1 && minor == 0;
    }

    /**
     * Reads the next request head from in (empty lines before it are skipped), or returns null if
     * the connection ends before one starts. It throws MalformedRequestException for a head that
     * is not HTTP/1.x-shaped: a bad request line, a header line without a colon, a bad
     * Content-Length or Transfer-Encoding, a line too long.
     */
    static RequestHead read(HttpInput in) throws IOException, MalformedRequestException {
        String line;
        do {
            line = in.readLine(MAX_REQUEST_LINE);
            if (line == null) {
                return null;
            }
        } while (line.isEmpty());
        String[] parts = line.split(" ", -1);
        if (parts.length != 3 || !isToken(parts[0]) || !isTarget(parts[1])) {
            throw new MalformedRequestException("bad request line");
        }
        int[] version = parseVersion(parts[2]);
        Headers h = Headers.read(in);
        boolean keepAlive = !h.close && (h.keepAlive || !(version[0] == 1 && version[1] == 0));
        return new RequestHead(parts[0], parts[1], version[0], version[1], keepAlive,
                h.chunked ? 0 : Math.max(h.contentLength, 0), h.chunked);
    }

    /** Parses HTTP/D.D into {major, minor}. */
    private static int[] parseVersion(String s) throws MalformedRequestException {
        if (s.length() != 8 || !s.startsWith("HTTP/") || !isDigit(s.charAt(5)) || s.charAt(6) != '.'
                || !isDigit(s.charAt(7))) {
            throw new MalformedRequestException("bad HTTP version");
        }
        return new int[] {s.charAt(5) - '0', s.charAt(7) - '0'};
    }

    /** The header fields that matter, read from a header block. */
    private static final class Headers {
        boolean close;
        boolean keepAlive;
        boolean chunked;
        /** -1 until a Content-Length is read. */
        long contentLength = -1;

        /** Reads header lines up to the empty line that ends them. */
        static Headers read(HttpInput in) throws IOException, MalformedRequestException {
            Headers h = new Headers();
            int budget = MAX_HEADER_BYTES;
            for (String line = in.requireLine(budget); !line.isEmpty(); line = in.requireLine(budget)) {
                budget -= line.length();
                int colon = line.indexOf(':');
                String name = colon <= 0 ? "" : line.substring(0, colon);
                if (!isToken(name)) {
                    throw new MalformedRequestException("bad header line"); // Also obsolete folding.
                }
                h.add(name.toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
            }
            return h;
        }

        /** Takes one header field into account. */
        private void add(String name, String value) throws MalformedRequestException {
            switch (name) {
                case "connection" -> {
                    for (String token : value.split(",")) {
                        String t = token.strip();
                        close |= t.equalsIgnoreCase("close");
                        keepAlive |= t.equalsIgnoreCase("keep-alive");
                    }
                }
                case "content-length" -> {
                    long n = parseLength(value);
                    if (contentLength >= 0 && contentLength != n) {
                        throw new MalformedRequestException("conflicting Content-Length");
                    }
                    contentLength = n;
                }
                case "transfer-encoding" -> {
                    String[] codings = value.split(",");
                    chunked = codings[codings.length - 1].strip().equalsIgnoreCase("chunked");
                    if (!chunked) {
                        throw new MalformedRequestException("unsupported Transfer-Encoding");
                    }
                }
                default -> { }
            }
        }
    }

    /** Parses a Content-Length: 1 to 18 decimal digits. */
    private static long parseLength(String s) throws MalformedRequestException {
        if (s.isEmpty() || s.length() > MAX_LENGTH_DIGITS || !s.chars().allMatch(RequestHead::isDigit)) {
            throw new MalformedRequestException("bad Content-Length");
        }
        return Long.parseLong(s);
    }

    /** Reads and drops this request's body from in. A malformed chunked body throws. */
    void skipBody(HttpInput in) throws IOException, MalformedRequestException {
        if (!chunked) {
            in.skip(contentLength);
            return;
        }
        for (long size = chunkSize(in.requireLine(MAX_CHUNK_LINE)); size > 0;
                size = chunkSize(in.requireLine(MAX_CHUNK_LINE))) {
            in.skip(size);
            if (!in.requireLine(0).isEmpty()) {
                throw new MalformedRequestException("no CRLF after a chunk");
            }
        }
        int budget = MAX_HEADER_BYTES;
        for (String line = in.requireLine(budget); !line.isEmpty(); line = in.requireLine(budget)) {
            budget -= line.length(); // Trailer fields are dropped.
        }
    }

    /** Parses a chunk-size line: hex digits, optionally followed by ;extensions. */
    private static long chunkSize(String line) throws MalformedRequestException {
        int semi = line.indexOf(';');
        String hex = (semi < 0 ? line : line.substring(0, semi)).strip();
        if (hex.isEmpty() || hex.length() > MAX_CHUNK_DIGITS
                || !hex.chars().allMatch(c -> Character.digit(c, 16) >= 0 && c < 128)) {
            throw new MalformedRequestException("bad chunk size");
        }
        return Long.parseLong(hex, 16);
    }

    /** Reports whether s is a non-empty RFC 9110 token (a method or a header name). */
    private static boolean isToken(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 127 || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    /** Reports whether s can be a request target: non-empty, no control characters or spaces. */
    private static boolean isTarget(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c == 127) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }
}
