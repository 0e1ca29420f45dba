/*
 * The proxy mode of the blocking forms.
 */
package com.github.latbench.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.Executor;

/**
 * Relays a client connection to the backend in both directions. The client occupies its worker for
 * its whole life: the worker connects to the backend (blocking) and relays client to backend
 * itself, while backend to client is relayed by a thread of relays (see {@link BlockingServer}).
 * When either side ends, both sockets are closed, which ends the other direction too. A backend that
 * cannot be reached closes the client.
 */
final class BlockingProxy {

    /** How long a client waits for its backend connection before it is closed. */
    private static final int CONNECT_TIMEOUT_MILLIS = 5000;

    private final InetSocketAddress backend;
    private final Executor relays;

    BlockingProxy(InetSocketAddress backend, Executor relays) {
        this.backend = backend;
        this.relays = relays;
    }

    /** Serves client until either side closes; the caller closes client. */
    void serve(Socket client) throws IOException {
        Socket back = new Socket();
        try {
            back.setTcpNoDelay(true);
            back.connect(backend, CONNECT_TIMEOUT_MILLIS);
            relays.execute(() -> relay(back, client));
            relay(client, back);
        } finally {
            BlockingServer.closeQuietly(back);
        }
    }

    /** Copies from to to until either fails or from ends, then closes both. */
    private static void relay(Socket from, Socket to) {
        try {
            BlockingEcho.copy(from.getInputStream(), to.getOutputStream());
        } catch (IOException e) {
            // A reset, or the other direction closed the sockets.
        } finally {
            BlockingServer.closeQuietly(from);
            BlockingServer.closeQuietly(to);
        }
    }
}
