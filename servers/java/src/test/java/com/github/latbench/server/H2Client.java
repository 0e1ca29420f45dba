/*
 * A minimal blocking HTTP/2 client on a raw socket for the real-socket tests: it writes the
 * frames itself, so the tests see exactly what the server sends.
 */
package com.github.latbench.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * One HTTP/2 connection (h2c, or h2 over an SSLSocket that negotiated it). It keeps the default
 * 65,535-byte windows and opens them again with WINDOW_UPDATE as it reads DATA; it answers
 * SETTINGS and PING. HPACK is Netty's. Not thread-safe; reads time out after 20 s.
 */
final class H2Client implements AutoCloseable {

    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int WINDOW_UPDATE = 0x8;
    static final int END_STREAM = 0x1;
    static final int ACK = 0x1;
    static final int END_HEADERS = 0x4;

    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private static final int TIMEOUT_MILLIS = 20_000;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder();
    private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(true);
    /** The SETTINGS of the server's first SETTINGS frame, by identifier. */
    final Map<Integer, Long> serverSettings = new HashMap<>();
    /** The error code of the last GOAWAY received, or -1. */
    long goAwayError = -1;
    /** The number of PING acknowledgements received. */
    int pingAcks;

    /** A frame as read. */
    record Frame(int type, int flags, int stream, byte[] payload) {
    }

    /** An answer: status, headers, body; or the error code of the stream's RST_STREAM (else -1). */
    record Response(int status, Http2Headers headers, byte[] body, long resetCode) {

        String text() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    /** Connects to hostPort in plain TCP (h2c with prior knowledge). */
    static H2Client connect(String hostPort) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        Socket s = new Socket(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        return new H2Client(s);
    }

    /** Speaks HTTP/2 on a connected socket (an SSLSocket that negotiated h2, say). */
    H2Client(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(TIMEOUT_MILLIS);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Sends the preface and an empty SETTINGS frame, and reads the server's SETTINGS. */
    H2Client handshake() throws IOException {
        out.write(PREFACE);
        writeFrame(SETTINGS, 0, 0, new byte[0]);
        Frame f = readFrame();
        if (f.type() != SETTINGS || (f.flags() & ACK) != 0) {
            throw new IOException("first frame of the server is type " + f.type() + ", not SETTINGS");
        }
        ByteBuffer p = ByteBuffer.wrap(f.payload());
        while (p.remaining() >= 6) {
            serverSettings.put(p.getShort() & 0xffff, p.getInt() & 0xffffffffL);
        }
        writeFrame(SETTINGS, ACK, 0, new byte[0]);
        return this;
    }

    /** Writes one frame. */
    void writeFrame(int type, int flags, int stream, byte[] payload) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
        b.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
        b.put((byte) type).put((byte) flags).putInt(stream).put(payload);
        out.write(b.array());
        out.flush();
    }

    /** Writes raw bytes. */
    void writeRaw(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    /** Sends a request without a body on stream: HEADERS with END_STREAM. */
    void request(int stream, String method, String path) throws IOException {
        Http2Headers h = new DefaultHttp2Headers().method(method).path(path).scheme("http").authority("test");
        writeFrame(HEADERS, END_HEADERS | END_STREAM, stream, encode(stream, h));
    }

    /** Sends a request with a body: HEADERS, then one DATA frame with END_STREAM. */
    void requestWithBody(int stream, String method, String path, byte[] body) throws IOException {
        Http2Headers h = new DefaultHttp2Headers().method(method).path(path).scheme("http").authority("test");
        writeFrame(HEADERS, END_HEADERS, stream, encode(stream, h));
        writeFrame(DATA, END_STREAM, stream, body);
    }

    /** Returns headers as an HPACK block for stream. */
    byte[] encode(int stream, Http2Headers h) throws IOException {
        ByteBuf buf = Unpooled.buffer();
        try {
            encoder.encodeHeaders(stream, h, buf);
            byte[] b = new byte[buf.readableBytes()];
            buf.readBytes(b);
            return b;
        } catch (Http2Exception e) {
            throw new IOException(e);
        } finally {
            buf.release();
        }
    }

    /** Sends a PING with 8 bytes of data. */
    void ping() throws IOException {
        writeFrame(PING, 0, 0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    }

    /** Reads one frame. */
    Frame readFrame() throws IOException {
        byte[] h = new byte[9];
        in.readFully(h);
        int len = (h[0] & 0xff) << 16 | (h[1] & 0xff) << 8 | h[2] & 0xff;
        int stream = ByteBuffer.wrap(h, 5, 4).getInt() & 0x7fffffff;
        byte[] p = new byte[len];
        in.readFully(p);
        return new Frame(h[3] & 0xff, h[4] & 0xff, stream, p);
    }

    /**
     * Reads frames until every stream in [first, first + 2 * (count - 1)] (odd ids, step 2) has
     * ended, answering SETTINGS and PING and opening the windows for the DATA it reads.
     */
    Map<Integer, Response> readResponses(int first, int count) throws IOException {
        Map<Integer, Http2Headers> heads = new HashMap<>();
        Map<Integer, ByteArrayOutputStream> bodies = new HashMap<>();
        Map<Integer, Response> done = new HashMap<>();
        while (done.size() < count) {
            Frame f = readFrame();
            int id = f.stream();
            switch (f.type()) {
                case HEADERS -> {
                    if ((f.flags() & END_HEADERS) == 0 || (f.flags() & 0x28) != 0) {
                        throw new IOException("HEADERS with CONTINUATION, PADDED or PRIORITY: not handled here");
                    }
                    heads.put(id, decode(id, f.payload()));
                    bodies.put(id, new ByteArrayOutputStream());
                }
                case DATA -> {
                    if (!bodies.containsKey(id)) {
                        throw new IOException("DATA before HEADERS on stream " + id);
                    }
                    bodies.get(id).writeBytes(f.payload());
                    if (f.payload().length > 0) {
                        writeFrame(WINDOW_UPDATE, 0, 0, increment(f.payload().length));
                        if ((f.flags() & END_STREAM) == 0) {
                            writeFrame(WINDOW_UPDATE, 0, id, increment(f.payload().length));
                        }
                    }
                }
                case RST_STREAM -> done.put(id, new Response(-1, null, new byte[0],
                        ByteBuffer.wrap(f.payload()).getInt() & 0xffffffffL));
                case SETTINGS -> {
                    if ((f.flags() & ACK) == 0) {
                        writeFrame(SETTINGS, ACK, 0, new byte[0]);
                    }
                }
                case PING -> onPing(f);
                case GOAWAY -> {
                    goAwayError = ByteBuffer.wrap(f.payload(), 4, 4).getInt() & 0xffffffffL;
                    throw new IOException("GOAWAY, error code " + goAwayError);
                }
                default -> { } // WINDOW_UPDATE and the rest: nothing to do.
            }
            if ((f.type() == HEADERS || f.type() == DATA) && (f.flags() & END_STREAM) != 0) {
                Http2Headers h = heads.get(id);
                done.put(id, new Response(Integer.parseInt(h.status().toString()), h, bodies.get(id).toByteArray(),
                        -1));
            }
        }
        return done;
    }

    /** Reads the response of one stream. */
    Response readResponse(int stream) throws IOException {
        Response r = readResponses(stream, 1).get(stream);
        if (r == null) {
            throw new IOException("no response on stream " + stream);
        }
        return r;
    }

    /**
     * Reads frames until the server closes the connection, answering PINGs; returns whether a
     * GOAWAY came before the end.
     */
    boolean readUntilClosed() throws IOException {
        boolean goAway = false;
        while (true) {
            Frame f;
            try {
                f = readFrame();
            } catch (EOFException | SocketException e) {
                return goAway;
            }
            if (f.type() == GOAWAY) {
                goAway = true;
                goAwayError = ByteBuffer.wrap(f.payload(), 4, 4).getInt() & 0xffffffffL;
            } else if (f.type() == PING) {
                onPing(f);
            }
        }
    }

    /** Answers a PING, or counts its acknowledgement. */
    private void onPing(Frame f) throws IOException {
        if ((f.flags() & ACK) != 0) {
            pingAcks++;
        } else {
            try {
                writeFrame(PING, ACK, 0, f.payload());
            } catch (SocketException e) {
                // The server may close at once after its PING (a grpc GOAWAY): nothing to answer.
            }
        }
    }

    private Http2Headers decode(int stream, byte[] block) throws IOException {
        ByteBuf buf = Unpooled.wrappedBuffer(block);
        try {
            return decoder.decodeHeaders(stream, buf);
        } catch (Http2Exception e) {
            throw new IOException(e);
        } finally {
            buf.release();
        }
    }

    private static byte[] increment(int n) {
        return ByteBuffer.allocate(4).putInt(n).array();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
