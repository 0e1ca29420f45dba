/*
 * The echo mode of the blocking forms.
 */
package com.github.latbench.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/** Writes back every byte a connection sends, with blocking reads and writes, until it closes. */
final class BlockingEcho {

    /** The size of one read. */
    static final int BUFFER_SIZE = 64 << 10;

    private BlockingEcho() {
    }

    /** Echoes s until the client closes (or half-closes) it; the caller closes s. */
    static void serve(Socket s) throws IOException {
        copy(s.getInputStream(), s.getOutputStream());
    }

    /** Writes what in reads to out, each read as soon as it returns, until in ends. */
    static void copy(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[BUFFER_SIZE];
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
            out.write(buf, 0, n);
        }
    }
}
