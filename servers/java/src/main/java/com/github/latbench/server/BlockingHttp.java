/*
 * The HTTP mode of the blocking forms: GET /bytes/N, GET /delay/D/bytes/N and GET /health.
 */
package com.github.latbench.server;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Serves one connection on the calling thread with blocking reads and writes: each request is
 * answered, in order, as soon as its head is read (its body is read and dropped after), and the
 * answers are flushed when no more input is buffered, so pipelined requests share a flush. GET
 * /delay/D/bytes/N sleeps on this thread for D. A malformed request gets 400 and the connection is
 * closed. The answers are those of the async form's {@link HttpHandler}, byte for byte in status,
 * headers and body.
 */
final class BlockingHttp {

    /** The output buffer: big enough for any head and a small body in one write. */
    private static final int OUT_BUFFER_SIZE = 16 << 10;
    private static final String OCTET_STREAM = "application/octet-stream";
    private static final String TEXT_PLAIN = "text/plain; charset=utf-8";

    private final byte[] pattern;

    /** The server shares one pattern (see {@link Bodies#newPatternArray}) among all connections. */
    BlockingHttp(byte[] pattern) {
        this.pattern = pattern;
    }

    /** Serves s until the client closes it or a response closes it; the caller closes s. */
    void serve(Socket s) throws IOException {
        OutputStream out = new BufferedOutputStream(s.getOutputStream(), OUT_BUFFER_SIZE);
        HttpInput in = new HttpInput(s.getInputStream(), out);
        try {
            while (serveOne(in, out)) {
                // Next request.
            }
        } finally {
            out.flush();
        }
    }

    /** Reads one request and writes its answer; it returns whether the connection stays open. */
    private boolean serveOne(HttpInput in, OutputStream out) throws IOException {
        RequestHead req;
        try {
            req = RequestHead.read(in);
        } catch (MalformedRequestException e) {
            writeText(out, Route.BAD_REQUEST, Route.MALFORMED_TEXT, Reply.CLOSE);
            return false;
        }
        if (req == null) {
            return false;
        }
        if (req.major() != 1) {
            writeText(out, Route.HTTP_VERSION_NOT_SUPPORTED, Route.BAD_VERSION_TEXT, Reply.CLOSE);
            return false;
        }
        Reply reply = new Reply(req.keepAlive(), req.http10());
        answer(req, reply, out);
        if (!reply.keepAlive()) {
            return false;
        }
        try {
            req.skipBody(in);
        } catch (MalformedRequestException e) {
            return false; // A broken request body: its response is written, nothing else.
        }
        return true;
    }

    /** Routes req and writes its answer, after the delay of a /delay request. */
    private void answer(RequestHead req, Reply reply, OutputStream out) throws IOException {
        boolean head = req.method().equals("HEAD");
        Route route = Route.of(head || req.method().equals("GET"), Bodies.path(req.target()));
        if (!route.isBytes()) {
            writeText(out, route.status(), route.text(), reply);
            return;
        }
        if (route.delayed()) {
            out.flush(); // The answers before this one do not wait for its delay.
            sleep(route.delayNanos());
        }
        writeHead(out, Route.OK, OCTET_STREAM, route.size(), reply);
        for (int left = head ? 0 : route.size(); left > 0; left -= pattern.length) {
            out.write(pattern, 0, Math.min(left, pattern.length));
        }
    }

    /**
     * Sleeps this thread for nanos: the blocking forms' wait on a slow dependency. Java 17 rounds a
     * part of a millisecond up to a whole one; Java 21 and newer sleep for less than one too.
     */
    private static void sleep(long nanos) throws InterruptedIOException {
        try {
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(nanos), (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted in a delay");
        }
    }

    /** How to end a response: keep the connection open or close it, and for which HTTP version. */
    private record Reply(boolean keepAlive, boolean http10) {
        static final Reply CLOSE = new Reply(false, false);
    }

    /** Writes a small text/plain response. */
    private static void writeText(OutputStream out, int status, String text, Reply reply) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        writeHead(out, status, TEXT_PLAIN, body.length, reply);
        out.write(body);
    }

    /**
     * Writes the status line and the headers: Content-Type, Content-Length, Allow for 405 and,
     * where needed, Connection: close, or keep-alive for an HTTP/1.0 client that asked for it.
     */
    private static void writeHead(OutputStream out, int status, String type, int length, Reply reply)
            throws IOException {
        StringBuilder b = new StringBuilder(128)
                .append("HTTP/1.1 ").append(status).append(' ').append(Route.reason(status)).append("\r\n")
                .append("content-type: ").append(type).append("\r\n")
                .append("content-length: ").append(length).append("\r\n");
        if (status == Route.METHOD_NOT_ALLOWED) {
            b.append("allow: GET, HEAD\r\n");
        }
        if (!reply.keepAlive()) {
            b.append("connection: close\r\n");
        } else if (reply.http10()) {
            b.append("connection: keep-alive\r\n");
        }
        out.write(b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
    }
}
