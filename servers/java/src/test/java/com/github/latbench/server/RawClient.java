/*
 * A minimal blocking HTTP/1.1 and TCP client for the real-socket tests.
 */
package com.github.latbench.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** One connection to a server under test, with a read timeout of 20 s. */
final class RawClient implements AutoCloseable {

    private static final int TIMEOUT_MILLIS = 20_000;

    private final Socket socket;
    private final InputStream in;

    /** An answer: status, headers with lower-case names, and the body as ISO-8859-1 text. */
    record Response(int status, Map<String, String> headers, String body) {
    }

    /** Connects to a server whose localAddress() is hostPort. */
    RawClient(String hostPort) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        socket = new Socket(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        socket.setSoTimeout(TIMEOUT_MILLIS);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream());
    }

    /** Returns a GET request for path. */
    static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n";
    }

    /** Writes s as ISO-8859-1. */
    void send(String s) throws IOException {
        socket.getOutputStream().write(s.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /** Half-closes the connection: the server reads the end of the input. */
    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Reads one response with a Content-Length body. */
    Response read() throws IOException {
        return read(false);
    }

    /** Reads the answer of a HEAD request: no body, whatever its Content-Length says. */
    Response readHead() throws IOException {
        return read(true);
    }

    private Response read(boolean head) throws IOException {
        String status = line();
        Map<String, String> headers = new HashMap<>();
        for (String h = line(); !h.isEmpty(); h = line()) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
        }
        String body = head ? "" : readN(Integer.parseInt(headers.getOrDefault("content-length", "0")));
        return new Response(Integer.parseInt(status.split(" ")[1]), headers, body);
    }

    /** Reads exactly n bytes as ISO-8859-1 text. */
    String readN(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new EOFException("got " + b.length + " of " + n + " bytes");
        }
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** Reports whether the server closed the connection: the next read ends without data. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException e) {
            return true; // A reset.
        }
    }

    /** Reads a line without its CRLF. */
    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("connection closed within a line");
            }
            b.write(c);
        }
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
