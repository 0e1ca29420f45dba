/*
 * Virtual threads for --io virtual, reached at run time: the build targets Java 17, which has none.
 */
package com.github.latbench.server;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Looks up {@code Executors.newVirtualThreadPerTaskExecutor()} on a JVM of Java 21 or newer. */
final class VirtualThreads {

    /** The first Java release with (final, not preview) virtual threads. */
    static final int FIRST_RELEASE = 21;

    private VirtualThreads() {
    }

    /** Reports whether the running JVM has virtual threads. */
    static boolean available() {
        return Runtime.version().feature() >= FIRST_RELEASE;
    }

    /** Returns the error of --io virtual on a JVM without virtual threads. */
    static String unavailableMessage() {
        return "--io virtual needs Java " + FIRST_RELEASE + " or newer; this is Java "
                + Runtime.version().feature();
    }

    /**
     * Returns a new executor that starts one virtual thread per task; it throws
     * UnsupportedOperationException on a JVM older than Java 21.
     */
    static ExecutorService newPerTaskExecutor() {
        if (!available()) {
            throw new UnsupportedOperationException(unavailableMessage());
        }
        MethodHandle factory;
        try {
            factory = MethodHandles.publicLookup().findStatic(Executors.class,
                    "newVirtualThreadPerTaskExecutor", MethodType.methodType(ExecutorService.class));
        } catch (ReflectiveOperationException e) {
            throw new UnsupportedOperationException("this JVM has no virtual threads: " + e, e);
        }
        try {
            return (ExecutorService) factory.invokeExact();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot start virtual threads: " + e, e);
        }
    }
}
