//! A throwaway CA and a server certificate it signs (for `127.0.0.1`,
//! `::1` and `localhost`, as latbench makes them), written as PEM files to
//! a temporary folder that is removed on drop; and TLS clients trusting
//! that CA.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore, SupportedProtocolVersion};
use tokio_rustls::TlsConnector;

/// Numbers the folders of one test process.
static NEXT_DIR: AtomicUsize = AtomicUsize::new(0);

/// The CA and the server's certificate and key, as files.
pub struct Certs {
    dir: PathBuf,
    /// The server certificate's PEM file (for `--tls-cert`).
    pub cert: String,
    /// Its private key's PEM file (for `--tls-key`).
    pub key: String,
    /// The CA certificate, PEM.
    pub ca_pem: String,
    ca_der: CertificateDer<'static>,
}

impl Certs {
    /// Makes a CA, a server certificate signed by it, and writes the
    /// server's certificate and key to a new temporary folder.
    pub fn new() -> Certs {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "latbench test CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();

        let names = ["127.0.0.1", "::1", "localhost"].map(String::from).to_vec();
        let mut params = CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "latbench test server");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &ca).unwrap();

        let dir = std::env::temp_dir().join(format!(
            "latbench-server-rust-test-{}-{}",
            std::process::id(),
            NEXT_DIR.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let mut certs = Certs {
            dir,
            cert: String::new(),
            key: String::new(),
            ca_pem: ca.pem(),
            ca_der: ca.der().clone(),
        };
        certs.cert = certs.write("server.pem", &cert.pem());
        certs.key = certs.write("server.key", &key.serialize_pem());
        certs
    }

    /// Writes contents to the file name in the folder and returns its path.
    pub fn write(&self, name: &str, contents: &str) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, contents).unwrap();
        path.to_str().unwrap().to_string()
    }

    /// The path of name in the folder, without making the file.
    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_string()
    }

    /// The server flags: `--tls-cert FILE --tls-key FILE`.
    pub fn flags(&self) -> [&str; 4] {
        ["--tls-cert", &self.cert, "--tls-key", &self.key]
    }

    /// A client configuration that trusts the CA and offers alpn, with
    /// rustls's default TLS versions (1.3 and 1.2).
    pub fn client_config(&self, alpn: &[&[u8]]) -> ClientConfig {
        self.client_config_with(alpn, tokio_rustls::rustls::DEFAULT_VERSIONS)
    }

    /// As client_config, with only the TLS versions given.
    pub fn client_config_with(
        &self,
        alpn: &[&[u8]],
        versions: &[&'static SupportedProtocolVersion],
    ) -> ClientConfig {
        let mut roots = RootCertStore::empty();
        roots.add(self.ca_der.clone()).unwrap();
        let mut config =
            ClientConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
                .with_protocol_versions(versions)
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        config
    }

    /// Connects to addr and does the TLS handshake with config, checking
    /// the certificate for `localhost`.
    pub async fn connect_with(
        &self,
        addr: SocketAddr,
        config: ClientConfig,
    ) -> std::io::Result<TlsStream<TcpStream>> {
        let tcp = TcpStream::connect(addr).await?;
        let name = ServerName::try_from("localhost").unwrap();
        TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
    }

    /// Connects to addr over TLS, offering alpn.
    pub async fn connect(&self, addr: SocketAddr, alpn: &[&[u8]]) -> TlsStream<TcpStream> {
        self.connect_with(addr, self.client_config(alpn))
            .await
            .expect("TLS handshake")
    }
}

impl Drop for Certs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
