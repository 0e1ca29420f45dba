//! The command line of the new flags, through the binary: --help, the start
//! line's `tls=`, and the usage and TLS file errors, each exiting 2 with a
//! message that says what is wrong.

mod common;

use common::certs::Certs;
use common::{run_to_exit, Server};

/// Runs the server with args, expects exit code 2 and a message holding
/// every one of want, and returns the message.
fn expect_exit_2(args: &[&str], want: &[&str]) -> String {
    let (code, stderr) = run_to_exit(args);
    assert_eq!(code, Some(2), "{args:?}: {stderr}");
    for w in want {
        assert!(stderr.contains(w), "{args:?}: want {w:?} in {stderr:?}");
    }
    stderr
}

#[test]
fn help_documents_tls_and_grpc() {
    let (code, stderr) = run_to_exit(&["--help"]);
    assert_eq!(code, Some(0));
    for w in [
        "--mode echo|http|proxy|grpc",
        "--tls-cert FILE",
        "--tls-key FILE",
        "grpc",
        "h2c",
    ] {
        assert!(stderr.contains(w), "want {w:?} in --help: {stderr}");
    }
}

#[test]
fn start_line_says_tls() {
    let certs = Certs::new();
    for mode in ["echo", "http", "grpc"] {
        let mut args = vec!["--mode", mode, "--threads", "1"];
        let plain = Server::start(&args);
        assert!(
            plain.start_line.contains(&format!("mode={mode} "))
                && plain.start_line.contains(" tls=off "),
            "{}",
            plain.start_line
        );
        args.extend_from_slice(&certs.flags());
        let tls = Server::start(&args);
        assert!(tls.start_line.contains(" tls=on "), "{}", tls.start_line);
    }
    let blocking = Server::start(&["--mode", "http", "--io", "blocking"]);
    assert!(
        blocking.start_line.contains(" tls=off "),
        "{}",
        blocking.start_line
    );
}

#[test]
fn tls_flags_go_together_and_only_where_served() {
    let certs = Certs::new();
    let (cert, key) = (certs.cert.as_str(), certs.key.as_str());
    let listen = ["--listen", "127.0.0.1:0"];
    let with = |rest: &[&'static str], tls: &[&str]| -> Vec<String> {
        listen
            .iter()
            .chain(rest)
            .chain(tls)
            .map(|s| s.to_string())
            .collect()
    };
    let cases: Vec<(Vec<String>, &[&str])> = vec![
        (
            with(&["--mode", "http"], &["--tls-cert", cert]),
            &["--tls-key", "missing"],
        ),
        (
            with(&["--mode", "echo"], &["--tls-key", key]),
            &["--tls-cert", "missing"],
        ),
        (
            with(
                &["--mode", "proxy", "--backend", "127.0.0.1:1"],
                &certs.flags(),
            ),
            &["--mode proxy does not take --tls-cert/--tls-key"],
        ),
        (
            with(&["--mode", "http", "--io", "blocking"], &certs.flags()),
            &["--io blocking does not serve TLS"],
        ),
        (
            with(&["--mode", "grpc", "--io", "blocking"], &[]),
            &["--io blocking does not serve --mode grpc"],
        ),
        (
            with(&["--mode", "quic"], &[]),
            &["--mode must be echo, http, proxy or grpc"],
        ),
    ];
    for (args, want) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        expect_exit_2(&args, want);
    }
}

#[test]
fn tls_files_that_do_not_load_name_the_file() {
    let certs = Certs::new();
    let missing = certs.path("no-such.pem");
    let not_pem = certs.write("not.pem", "hello\n");
    let other_key = certs.write(
        "other.key",
        &rcgen::KeyPair::generate().unwrap().serialize_pem(),
    );
    let cases = [
        // (cert, key, the file the message must name)
        (missing.as_str(), certs.key.as_str(), missing.as_str()),
        (certs.cert.as_str(), missing.as_str(), missing.as_str()),
        (not_pem.as_str(), certs.key.as_str(), not_pem.as_str()),
        (certs.cert.as_str(), not_pem.as_str(), not_pem.as_str()),
        // A key in place of the certificate.
        (certs.key.as_str(), certs.key.as_str(), "--tls-cert"),
        // The certificate in place of the key.
        (certs.cert.as_str(), certs.cert.as_str(), "--tls-key"),
        (certs.cert.as_str(), other_key.as_str(), other_key.as_str()),
    ];
    for mode in ["echo", "http", "grpc"] {
        for (cert, key, file) in cases {
            let args = [
                "--mode",
                mode,
                "--listen",
                "127.0.0.1:0",
                "--tls-cert",
                cert,
                "--tls-key",
                key,
            ];
            expect_exit_2(&args, &[file]);
        }
    }
    let msg = expect_exit_2(
        &[
            "--mode",
            "http",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            &certs.cert,
            "--tls-key",
            &other_key,
        ],
        &["does not match the certificate"],
    );
    assert!(msg.lines().count() == 1, "one line: {msg:?}");
}
