/*
 * The routing of the HTTP mode, shared by every I/O form: what a request's method and path ask for.
 */
package com.github.latbench.server;

/**
 * The answer to one request, decided before any I/O. A route with a null text is a body of the
 * alphabet pattern: size bytes, sent after delayNanos for /delay/D/bytes/N (delayNanos is -1 for
 * /bytes/N). Any other route is a small text/plain answer with that status and text.
 */
record Route(int status, String text, int size, long delayNanos) {

    static final int OK = 200;
    static final int BAD_REQUEST = 400;
    static final int NOT_FOUND = 404;
    static final int METHOD_NOT_ALLOWED = 405;
    static final int HTTP_VERSION_NOT_SUPPORTED = 505;

    /** The body of 400 for a request the server could not parse. */
    static final String MALFORMED_TEXT = "400 Bad Request\n";
    /** The body of 505 for an HTTP major version other than 1. */
    static final String BAD_VERSION_TEXT = "505 HTTP Version Not Supported\n";

    private static final String BYTES_PREFIX = "/bytes/";
    private static final String DELAY_PREFIX = "/delay/";

    private static final Route HEALTH = text(OK, "ok");
    private static final Route NO_SUCH_PATH = text(NOT_FOUND, "404 page not found\n");
    private static final Route NOT_GET = text(METHOD_NOT_ALLOWED, "Method Not Allowed\n");
    private static final Route BAD_SIZE =
            text(BAD_REQUEST, "size must be a decimal integer from 0 to " + Bodies.MAX_BYTES + "\n");
    private static final Route BAD_DELAY =
            text(BAD_REQUEST, "delay must be a whole number of us, ms or s, at most 60s\n");

    /** Returns a text answer. */
    private static Route text(int status, String text) {
        return new Route(status, text, 0, -1);
    }

    /** Returns the reason phrase of a status this server answers with. */
    static String reason(int status) {
        return switch (status) {
            case OK -> "OK";
            case BAD_REQUEST -> "Bad Request";
            case NOT_FOUND -> "Not Found";
            case METHOD_NOT_ALLOWED -> "Method Not Allowed";
            case HTTP_VERSION_NOT_SUPPORTED -> "HTTP Version Not Supported";
            default -> "Unknown";
        };
    }

    /** Reports whether this route answers with the pattern (a /bytes/N or /delay/D/bytes/N). */
    boolean isBytes() {
        return text == null;
    }

    /** Reports whether this route waits before its answer (a /delay/D/bytes/N, D may be 0). */
    boolean delayed() {
        return delayNanos >= 0;
    }

    /**
     * Routes a request: GET (or HEAD) /health, /bytes/N and /delay/D/bytes/N, where N and D are
     * non-empty path segments. An unknown path is 404, another method 405, a bad N or D 400.
     */
    static Route of(boolean getOrHead, String path) {
        boolean health = path.equals("/health");
        int delayEnd = delayEnd(path);
        int sizeAt = delayEnd >= 0 ? delayEnd + BYTES_PREFIX.length() : BYTES_PREFIX.length();
        if (!health && !isBytesPath(path, delayEnd >= 0 ? delayEnd : 0)) {
            return NO_SUCH_PATH;
        } else if (!getOrHead) {
            return NOT_GET;
        } else if (health) {
            return HEALTH;
        }
        long delay = delayEnd < 0 ? -1 : Bodies.parseDelay(path.substring(DELAY_PREFIX.length(), delayEnd));
        if (delayEnd >= 0 && delay < 0) {
            return BAD_DELAY;
        }
        int n = Bodies.parseSize(path, sizeAt);
        return n < 0 ? BAD_SIZE : new Route(OK, null, n, delay);
    }

    /**
     * Returns the index of the slash after D when path starts with /delay/D/ and D is not empty,
     * else -1.
     */
    private static int delayEnd(String path) {
        if (!path.startsWith(DELAY_PREFIX)) {
            return -1;
        }
        int slash = path.indexOf('/', DELAY_PREFIX.length());
        return slash > DELAY_PREFIX.length() ? slash : -1;
    }

    /** Reports whether path, from index from on, is /bytes/{n}: one more non-empty segment. */
    private static boolean isBytesPath(String path, int from) {
        int sizeAt = from + BYTES_PREFIX.length();
        return path.length() > sizeAt && path.startsWith(BYTES_PREFIX, from) && path.indexOf('/', sizeAt) < 0;
    }
}
