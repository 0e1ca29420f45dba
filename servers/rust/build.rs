//! Generates the gRPC service of `--mode grpc` from the contract's proto
//! (`servers/proto/echo.proto`) into OUT_DIR, as `latbench.echo.v1.rs`:
//! the messages, the server and a client (which only the tests use).
//!
//! protoc comes from the `protoc-bin-vendored` crate, so the build needs
//! nothing but cargo: no system protoc, no PROTOC variable.

use std::io;

/// The proto file, relative to this crate's manifest.
const PROTO: &str = "../proto/echo.proto";
/// Its include path: the folder it is in.
const PROTO_DIR: &str = "../proto";

fn main() -> io::Result<()> {
    let protoc = protoc_bin_vendored::protoc_bin_path().map_err(io::Error::other)?;
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc);
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        // No `connect` constructor: it needs tonic's transport, which only
        // the tests enable.
        .build_transport(false)
        .compile_with_config(config, &[PROTO], &[PROTO_DIR])?;
    println!("cargo:rerun-if-changed={PROTO}");
    Ok(())
}
