/*
 * Real-socket tests of --mode grpc with a grpc-java client: Unary and Stream, in h2c and over TLS,
 * the 4 MiB limit, an unknown method, and GOAWAY at stop.
 */
package com.github.latbench.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.latbench.echo.v1.EchoGrpc;
import com.github.latbench.echo.v1.EchoReply;
import com.github.latbench.echo.v1.EchoRequest;
import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GrpcTest {

    private static final long TIMEOUT_SECONDS = 20;
    private static final int MIB = 1 << 20;

    @TempDir
    static Path dir;
    private static TestCerts certs;

    private final List<Running> started = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void makeCerts() throws Exception {
        Main.quietLibraries(); // As the server's main does: grpc logs a bad call or connection.
        certs = TestCerts.ec(dir);
    }

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        started.forEach(Running::stop);
    }

    /** Starts --mode grpc on 127.0.0.1:0, over TLS if tls. */
    private Running start(boolean tls) throws Exception {
        List<String> args = new ArrayList<>(List.of("--mode", "grpc", "--listen", "127.0.0.1:0", "--threads", "2"));
        if (tls) {
            args.addAll(List.of(certs.flags()));
        }
        Config cfg = Config.parse(args, 1);
        Running s = GrpcServer.start(cfg, tls ? TlsIdentity.load(cfg.tlsCert(), cfg.tlsKey()) : null);
        started.add(s);
        return s;
    }

    /** Returns a channel to s: h2c with prior knowledge, or h2 over TLS trusting the test certificate. */
    private ManagedChannel channel(Running s, boolean tls) throws Exception {
        String a = s.localAddress();
        NettyChannelBuilder b = NettyChannelBuilder.forAddress("127.0.0.1",
                Integer.parseInt(a.substring(a.lastIndexOf(':') + 1)));
        if (tls) {
            b.sslContext(GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
                    .trustManager(certs.cert()).build());
        } else {
            b.usePlaintext();
        }
        ManagedChannel ch = b.build();
        channels.add(ch);
        return ch;
    }

    private static EchoRequest request(byte[] payload) {
        return EchoRequest.newBuilder().setPayload(ByteString.copyFrom(payload)).build();
    }

    private static EchoGrpc.EchoBlockingStub blocking(ManagedChannel ch) {
        return EchoGrpc.newBlockingStub(ch).withDeadlineAfter(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void unaryEchoesThePayload(boolean tls) throws Exception {
        Running s = start(tls);
        assertTrue(s.describe().endsWith(tls ? " tls=on" : " tls=off"), s.describe());
        ManagedChannel ch = channel(s, tls);
        for (int n : new int[] {0, 1, 1000, MIB}) {
            byte[] payload = Http2Test.pattern(n);
            assertArrayEquals(payload, blocking(ch).unary(request(payload)).getPayload().toByteArray());
        }
        // The largest reply the client takes by default: 4 MiB with the message's framing.
        byte[] largest = Http2Test.pattern(4 * MIB - 16);
        assertArrayEquals(largest, blocking(ch).unary(request(largest)).getPayload().toByteArray());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void streamAnswersEachMessageAtOnceInOrder(boolean tls) throws Exception {
        Running s = start(tls);
        ManagedChannel ch = channel(s, tls);
        BlockingQueue<Object> got = new LinkedBlockingQueue<>();
        StreamObserver<EchoRequest> out = EchoGrpc.newStub(ch).stream(new StreamObserver<EchoReply>() {
            @Override
            public void onNext(EchoReply r) {
                got.add(r.getPayload().toByteArray());
            }

            @Override
            public void onError(Throwable t) {
                got.add(t);
            }

            @Override
            public void onCompleted() {
                got.add("done");
            }
        });
        // One at a time: each reply must come before the next message is sent (no batching).
        for (int i = 0; i < 50; i++) {
            byte[] payload = Http2Test.pattern(i * 31 % 500);
            out.onNext(request(payload));
            Object r = got.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertTrue(r instanceof byte[], "reply " + i + ": " + r);
            assertArrayEquals(payload, (byte[]) r);
        }
        // Then many at once: the replies keep their order.
        for (int i = 0; i < 200; i++) {
            out.onNext(request(Integer.toString(i).getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        }
        out.onNext(request(Http2Test.pattern(2 * MIB)));
        for (int i = 0; i < 200; i++) {
            Object r = got.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            assertTrue(r instanceof byte[], "reply " + i + ": " + r);
            assertEquals(Integer.toString(i), new String((byte[]) r, java.nio.charset.StandardCharsets.US_ASCII));
        }
        assertArrayEquals(Http2Test.pattern(2 * MIB), (byte[]) got.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        out.onCompleted();
        assertEquals("done", got.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        assertNull(got.poll());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void messageOverFourMebibytesIsResourceExhausted(boolean tls) throws Exception {
        Running s = start(tls);
        ManagedChannel ch = channel(s, tls);
        byte[] tooBig = new byte[4 * MIB + 1];
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> blocking(ch).unary(request(tooBig)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
        // The connection and the server go on.
        assertArrayEquals(new byte[] {7}, blocking(ch).unary(request(new byte[] {7})).getPayload().toByteArray());
    }

    @Test
    void unknownMethodIsUnimplemented() throws Exception {
        Running s = start(false);
        ManagedChannel ch = channel(s, false);
        MethodDescriptor.Marshaller<byte[]> raw = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(byte[] value) {
                return new ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(InputStream in) {
                try {
                    return in.readAllBytes();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        MethodDescriptor<byte[], byte[]> nope = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName("latbench.echo.v1.Echo/Nope")
                .setRequestMarshaller(raw).setResponseMarshaller(raw).build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(ch, nope,
                        CallOptions.DEFAULT.withDeadlineAfter(TIMEOUT_SECONDS, TimeUnit.SECONDS), new byte[0]));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
    }

    @Test
    void garbageClosesOnlyThatConnection() throws Exception {
        Running s = start(false);
        try (H2Client c = H2Client.connect(s.localAddress())) {
            c.writeRaw(RawClient.get("/").getBytes(java.nio.charset.StandardCharsets.US_ASCII)); // Not the preface.
            c.readUntilClosed();
        }
        try (H2Client c = H2Client.connect(s.localAddress())) {
            c.writeRaw(H2Client.PREFACE);
            c.writeRaw(new byte[] {0, 0, 4, 9, 9, 9, 9, 9, 9, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0});
            c.readUntilClosed();
        }
        ManagedChannel ch = channel(s, false);
        assertArrayEquals(new byte[] {1}, blocking(ch).unary(request(new byte[] {1})).getPayload().toByteArray());
    }

    @Test
    void stopSendsGoAway() throws Exception {
        Running s = start(false);
        try (H2Client c = H2Client.connect(s.localAddress()).handshake()) {
            Thread stopper = new Thread(s::stop);
            stopper.start();
            assertTrue(c.readUntilClosed(), "no GOAWAY before the close");
            stopper.join(TIMEOUT_SECONDS * 1000);
        }
        started.clear();
    }
}
