/*
 * The gRPC service of --mode grpc: latbench.echo.v1.Echo of servers/proto/echo.proto.
 */
package com.github.latbench.server;

import com.github.latbench.echo.v1.EchoGrpc;
import com.github.latbench.echo.v1.EchoReply;
import com.github.latbench.echo.v1.EchoRequest;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * Echoes payloads: Unary answers its request with the request's payload, Stream answers each
 * message with its payload, in order, as soon as it arrives, and ends with OK when the client
 * half-closes. The payload's ByteString is shared, not copied.
 *
 * <p>The calls run on the transport's event loops (the server uses a direct executor) and never
 * block. Stream has flow control: it asks for the next message only while its replies can go out
 * (the call is ready), so a client that sends but does not read is not buffered without bound.
 */
final class EchoService extends EchoGrpc.EchoImplBase {

    @Override
    public void unary(EchoRequest request, StreamObserver<EchoReply> responses) {
        responses.onNext(reply(request));
        responses.onCompleted();
    }

    @Override
    public StreamObserver<EchoRequest> stream(StreamObserver<EchoReply> responses) {
        ServerCallStreamObserver<EchoReply> call = (ServerCallStreamObserver<EchoReply>) responses;
        call.disableAutoRequest();
        StreamEcho echo = new StreamEcho(call);
        call.setOnReadyHandler(echo::onReady);
        call.setOnCancelHandler(echo::onCancel);
        return echo;
    }

    /** Returns the reply that echoes request. */
    private static EchoReply reply(EchoRequest request) {
        return EchoReply.newBuilder().setPayload(request.getPayload()).build();
    }

    /**
     * One Stream call. It has at most one request outstanding: asked for when the call is (or
     * becomes) ready, once per message.
     */
    private static final class StreamEcho implements StreamObserver<EchoRequest> {

        private final ServerCallStreamObserver<EchoReply> call;
        /** Whether a message has been asked for and not yet received. */
        private boolean requested;
        private boolean done;

        StreamEcho(ServerCallStreamObserver<EchoReply> call) {
            this.call = call;
        }

        /** Asks for the next message if the call can take a reply and none is asked for yet. */
        void onReady() {
            if (!requested && !done && call.isReady()) {
                requested = true;
                call.request(1);
            }
        }

        @Override
        public void onNext(EchoRequest request) {
            requested = false;
            call.onNext(reply(request));
            onReady();
        }

        /** The client went away: a reply now would throw, and none is needed. */
        void onCancel() {
            done = true;
        }

        @Override
        public void onError(Throwable t) {
            done = true; // Cancelled by the client or the transport: nothing left to answer.
        }

        @Override
        public void onCompleted() {
            done = true;
            call.onCompleted();
        }
    }
}
