/*
 * The error of a request the blocking forms cannot parse.
 */
package com.github.latbench.server;

/** Thrown for a malformed request head or body: it is answered 400 (a body: not at all) and closed. */
final class MalformedRequestException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedRequestException(String message) {
        super(message, null, false, false); // Expected input: no stack trace.
    }
}
