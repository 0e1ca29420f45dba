/*
 * What Main needs of a started server, whatever its I/O form.
 */
package com.github.latbench.server;

/** A listening server: {@link Server} (the async form) or {@link BlockingServer}. */
interface Running {

    /**
     * Returns the start-up line's words after the mode: the I/O form, its threads and the bound
     * address, and whether it speaks TLS, e.g. {@code io=blocking workers=8 listen=127.0.0.1:8080 tls=off}.
     */
    String describe();

    /** Returns the bound address as HOST:PORT. */
    String localAddress();

    /** Closes the listener and lets go of the threads; it returns within about 2 s. */
    void stop();
}
