// Package conformance holds the server-contract tests that every
// reference server (Go, Rust, Java, Python) must pass byte for byte. It
// has no code of its own: `go test ./servers/conformance` launches each
// language's binary, as listed in servers/targets.yaml, on 127.0.0.1 and
// checks echo, http and proxy behaviour on the wire.
//
// The async form of each language also gets the tests of part 2 of the
// contract (servers/PROTOCOLS.md), one subtest per protocol and
// transport: "tls echo", "https http1.1", "https h2", "https no alpn",
// "h2c", "grpc h2c", "grpc tls", "tls and grpc flags" and "sigterm tls h2
// grpc". They make a throwaway CA and server certificate in a temporary
// folder and add --tls-cert/--tls-key (and --mode grpc, which
// targets.yaml does not list yet) to the manifest's command.
//
// A server whose binary is missing is built with its manifest `build`
// command when its toolchains are installed. When a toolchain is missing
// the server's tests are skipped with the fix; with CI=true in the
// environment a skip is a failure, so CI proves every server.
//
// Run one language's tests with, for example:
//
//	go test ./servers/conformance -run 'TestConformance/rust' -v
//
// and one protocol of every language with, for example:
//
//	go test ./servers/conformance -run 'TestConformance/[a-z]+$/grpc_tls' -v
package conformance
