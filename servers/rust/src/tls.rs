//! TLS for the echo, http and grpc modes of the async form
//! (`--tls-cert FILE --tls-key FILE`): rustls with the aws-lc-rs provider,
//! TLS 1.2 and 1.3, through tokio-rustls.
//!
//! The certificate and key are loaded and checked before the server
//! starts, so that a file that does not read, holds no PEM certificate or
//! key, or a key that does not match the certificate is a start-up error
//! naming the file. Each connection then does its handshake in its own
//! task; a failed handshake only closes that connection.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpStream;
use tokio_rustls::rustls::crypto::{aws_lc_rs, CryptoProvider};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::sign::{CertifiedKey, SingleCertAndKey};
use tokio_rustls::rustls::{version, Error as TlsError, InconsistentKeys, ServerConfig};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::config::{Mode, TlsFiles};

/// The ALPN protocol id of HTTP/2 over TLS.
pub const ALPN_H2: &[u8] = b"h2";
/// The ALPN protocol id of HTTP/1.1.
pub const ALPN_HTTP1: &[u8] = b"http/1.1";

/// Loads the certificate and key of files (see [`certified_key`]) and
/// returns the acceptor of mode: TLS 1.2 and 1.3 with the ALPN protocols
/// of mode (see [`alpn`]). The error is a one-line message naming the file
/// at fault.
pub fn acceptor(files: &TlsFiles, mode: Mode) -> Result<TlsAcceptor, String> {
    let key = certified_key(files)?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(provider()))
        .with_protocol_versions(&[&version::TLS13, &version::TLS12])
        .map_err(|e| format!("TLS configuration: {e}"))?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(SingleCertAndKey::from(key)));
    config.alpn_protocols = alpn(mode).iter().map(|p| p.to_vec()).collect();
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Reads the PEM certificate chain and private key of files and checks
/// that the key matches the certificate.
fn certified_key(files: &TlsFiles) -> Result<CertifiedKey, String> {
    let cert_err = |what: String| format!("--tls-cert {}: {what}", files.cert);
    let key_err = |what: String| format!("--tls-key {}: {what}", files.key);

    let cert_pem = std::fs::read(&files.cert).map_err(|e| cert_err(e.to_string()))?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| cert_err(format!("not a PEM certificate: {e}")))?;
    if chain.is_empty() {
        return Err(cert_err("no PEM certificate in the file".to_string()));
    }
    let key_pem = std::fs::read(&files.key).map_err(|e| key_err(e.to_string()))?;
    let key_der = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|e| key_err(format!("no PEM private key: {e}")))?;
    let signing_key = provider()
        .key_provider
        .load_private_key(key_der)
        .map_err(|e| key_err(format!("unusable private key: {e}")))?;
    let key = CertifiedKey::new(chain, signing_key);
    match key.keys_match() {
        // Unknown: the key cannot tell its public half; rustls accepts that.
        Ok(()) | Err(TlsError::InconsistentKeys(InconsistentKeys::Unknown)) => Ok(key),
        Err(TlsError::InconsistentKeys(InconsistentKeys::KeyMismatch)) => Err(key_err(format!(
            "the key does not match the certificate in {}",
            files.cert
        ))),
        Err(e) => Err(cert_err(format!("bad certificate: {e}"))),
    }
}

/// The crypto provider of every TLS connection: aws-lc-rs, rustls's
/// default, named so that no other provider a build may enable is picked.
fn provider() -> CryptoProvider {
    aws_lc_rs::default_provider()
}

/// The ALPN protocols the server offers in mode, in its order of
/// preference: none for echo (a client offering any is served, with none
/// selected), `h2` then `http/1.1` for http, `h2` for grpc.
pub fn alpn(mode: Mode) -> &'static [&'static [u8]] {
    match mode {
        Mode::Http => &[ALPN_H2, ALPN_HTTP1],
        Mode::Grpc => &[ALPN_H2],
        Mode::Echo | Mode::Proxy => &[],
    }
}

/// Whether the handshake of stream selected HTTP/2.
pub fn negotiated_h2(stream: &TlsStream<TcpStream>) -> bool {
    stream.get_ref().1.alpn_protocol() == Some(ALPN_H2)
}

/// Does the TLS handshake on tcp and then runs handle on the decrypted
/// stream. A failed handshake (a client that is not TLS, or that gives up)
/// only closes the connection.
pub async fn accept<F, Fut>(acceptor: TlsAcceptor, tcp: TcpStream, handle: F)
where
    F: FnOnce(TlsStream<TcpStream>) -> Fut,
    Fut: Future<Output = ()>,
{
    if let Ok(stream) = acceptor.accept(tcp).await {
        handle(stream).await;
    }
}
