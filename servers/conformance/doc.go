// Package conformance holds the server-contract tests that every
// reference server (Go, Rust, Java, Python) must pass byte for byte. It
// has no code of its own: `go test ./servers/conformance` launches each
// language's binary, as listed in servers/targets.yaml, on 127.0.0.1 and
// checks echo, http and proxy behaviour on the wire.
//
// A server whose binary is missing is built with its manifest `build`
// command when its toolchains are installed. When a toolchain is missing
// the server's tests are skipped with the fix; with CI=true in the
// environment a skip is a failure, so CI proves every server.
//
// Run one language's tests with, for example:
//
//	go test ./servers/conformance -run 'TestConformance/rust' -v
package conformance
