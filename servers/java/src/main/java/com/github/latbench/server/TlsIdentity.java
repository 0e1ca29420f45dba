/*
 * The certificate and key of --tls-cert and --tls-key, read and checked once at start.
 */
package com.github.latbench.server;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server's TLS identity: its private key and certificate chain (leaf first), both from PEM files.
 * {@link #load} reads them before the server starts, so that a file that does not read, holds no
 * certificate or key, or a key that does not match the certificate, is a usage error naming the
 * file. The TLS contexts of the two Netty copies (the server's Netty 4.1 and grpc's shaded one) are
 * built from it.
 *
 * <p>The key may be PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1
 * ({@code EC PRIVATE KEY}), unencrypted, as OpenSSL, Go and Python write them; the last two are
 * wrapped into PKCS#8 with the algorithm of the certificate's public key, since the JDK reads
 * PKCS#8 only.
 */
record TlsIdentity(PrivateKey key, X509Certificate[] chain) {

    /** Thrown for a TLS file that cannot be used; the caller prints the message and exits 2. */
    static final class TlsException extends Exception {
        private static final long serialVersionUID = 1L;

        TlsException(String message) {
            super(message);
        }
    }

    /** A PEM block: "-----BEGIN type-----", base64, "-----END type-----". */
    private static final Pattern PEM_BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)\\s*-----END \\1-----");

    /** DER of the AlgorithmIdentifier of rsaEncryption: OID 1.2.840.113549.1.1.1 and NULL. */
    private static final byte[] RSA_ALGORITHM = {
        0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    };

    /**
     * Reads the certificate chain of certFile and the private key of keyFile and checks that the key
     * belongs to the first certificate.
     */
    static TlsIdentity load(String certFile, String keyFile) throws TlsException {
        X509Certificate[] chain = readChain(certFile);
        PrivateKey key = readKey(keyFile, certFile, chain[0]);
        if (!matches(key, chain[0].getPublicKey())) {
            throw mismatch(keyFile, certFile);
        }
        return new TlsIdentity(key, chain);
    }

    /** Names the certificate only: a record's default would print the private key. */
    @Override
    public String toString() {
        return "TlsIdentity[" + chain[0].getSubjectX500Principal() + ", " + chain.length + " certificate(s)]";
    }

    /** Returns the error of a key that is not the certificate's. */
    private static TlsException mismatch(String keyFile, String certFile) {
        return new TlsException("--tls-key " + keyFile + ": the private key does not match the certificate of "
                + "--tls-cert " + certFile);
    }

    /** Reads the whole file, as the flag names it in errors. */
    private static byte[] read(String flag, String file) throws TlsException {
        try {
            return Files.readAllBytes(Path.of(file));
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            if (e instanceof NoSuchFileException) {
                why = "no such file";
            } else if (e instanceof AccessDeniedException) {
                why = "permission denied";
            }
            throw new TlsException(flag + " " + file + ": cannot read: " + why);
        }
    }

    /** Reads the PEM certificates of file, leaf first; it needs at least one. */
    private static X509Certificate[] readChain(String file) throws TlsException {
        byte[] pem = read("--tls-cert", file);
        List<X509Certificate> certs = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (byte[] der : blocks(pem, "CERTIFICATE")) {
                Certificate c = cf.generateCertificate(new ByteArrayInputStream(der));
                certs.add((X509Certificate) c);
            }
        } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            throw new TlsException("--tls-cert " + file + ": not a PEM certificate: " + e.getMessage());
        }
        if (certs.isEmpty()) {
            throw new TlsException("--tls-cert " + file + ": no PEM certificate (-----BEGIN CERTIFICATE-----) in it");
        }
        return certs.toArray(new X509Certificate[0]);
    }

    /** Reads the first PEM private key of file, for leaf, the first certificate of certFile. */
    private static PrivateKey readKey(String file, String certFile, X509Certificate leaf) throws TlsException {
        byte[] pem = read("--tls-key", file);
        String text = new String(pem, StandardCharsets.ISO_8859_1);
        Matcher m = PEM_BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            if (!type.endsWith("PRIVATE KEY")) {
                continue; // Such as the EC PARAMETERS block OpenSSL writes before an EC key.
            }
            byte[] der;
            try {
                der = Base64.getMimeDecoder().decode(m.group(2));
            } catch (IllegalArgumentException e) {
                throw new TlsException("--tls-key " + file + ": bad base64 in its " + type + " block");
            }
            byte[] pkcs8 = switch (type) {
                case "PRIVATE KEY" -> der;
                case "RSA PRIVATE KEY" -> pkcs8(RSA_ALGORITHM, der);
                case "EC PRIVATE KEY" -> {
                    if (!leaf.getPublicKey().getAlgorithm().equals("EC")) {
                        throw mismatch(file, certFile);
                    }
                    yield pkcs8(algorithmOf(leaf.getPublicKey()), der);
                }
                default -> throw new TlsException("--tls-key " + file + ": a " + type
                        + " is not supported; give an unencrypted PKCS#8, PKCS#1 or SEC1 key");
            };
            return decode(file, pkcs8, leaf.getPublicKey().getAlgorithm());
        }
        throw new TlsException("--tls-key " + file + ": no PEM private key (-----BEGIN ... PRIVATE KEY-----) in it");
    }

    /** Decodes a PKCS#8 key, trying the certificate's algorithm first. */
    private static PrivateKey decode(String file, byte[] pkcs8, String certAlgorithm) throws TlsException {
        List<String> algorithms = new ArrayList<>(List.of(certAlgorithm));
        for (String a : List.of("RSA", "EC", "EdDSA", "RSASSA-PSS", "XDH", "DSA")) {
            if (!algorithms.contains(a)) {
                algorithms.add(a);
            }
        }
        for (String a : algorithms) {
            try {
                return KeyFactory.getInstance(a).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException | RuntimeException e) {
                // Not a key of this algorithm: try the next.
            }
        }
        throw new TlsException("--tls-key " + file + ": not a private key the JDK can read");
    }

    /** Blocks of one PEM type, decoded; a malformed block throws IllegalArgumentException. */
    private static List<byte[]> blocks(byte[] pem, String type) {
        List<byte[]> out = new ArrayList<>();
        Matcher m = PEM_BLOCK.matcher(new String(pem, StandardCharsets.ISO_8859_1));
        while (m.find()) {
            if (m.group(1).equals(type)) {
                out.add(Base64.getMimeDecoder().decode(m.group(2)));
            }
        }
        return out;
    }

    /**
     * Reports whether key is the private half of pub: a signature made with key verifies with pub.
     * A key type this check does not know is taken as matching; the TLS handshake is the judge then.
     */
    static boolean matches(PrivateKey key, PublicKey pub) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> null;
        };
        if (algorithm == null) {
            return true;
        }
        if (!key.getAlgorithm().equals(pub.getAlgorithm())
                && !(algorithm.equals("EdDSA") && pub.getAlgorithm().startsWith("Ed"))) {
            return false;
        }
        try {
            byte[] data = "latbench".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(algorithm);
            s.initSign(key);
            s.update(data);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(algorithm);
            v.initVerify(pub);
            v.update(data);
            return v.verify(sig);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** Returns the DER AlgorithmIdentifier of a public key: the first element of its SubjectPublicKeyInfo. */
    private static byte[] algorithmOf(PublicKey pub) throws TlsException {
        byte[] spki = pub.getEncoded();
        int[] outer = header(spki, 0);
        int[] inner = header(spki, outer[0]);
        return Arrays.copyOfRange(spki, outer[0], inner[0] + inner[1]);
    }

    /**
     * Parses the DER tag and length at off; returns {offset of the contents, length of the contents}.
     */
    private static int[] header(byte[] der, int off) throws TlsException {
        if (off + 2 > der.length) {
            throw new TlsException("truncated DER");
        }
        int len = der[off + 1] & 0xff;
        int at = off + 2;
        if (len >= 0x80) {
            int n = len & 0x7f;
            if (n == 0 || n > 3 || at + n > der.length) {
                throw new TlsException("bad DER length");
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = len << 8 | der[at++] & 0xff;
            }
        }
        return new int[] {at, len};
    }

    /** Wraps a PKCS#1 or SEC1 key into a PKCS#8 PrivateKeyInfo with the given AlgorithmIdentifier. */
    private static byte[] pkcs8(byte[] algorithm, byte[] key) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00}); // version 0
        body.writeBytes(algorithm);
        body.write(0x04); // OCTET STRING
        writeLength(body, key.length);
        body.writeBytes(key);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30); // SEQUENCE
        writeLength(out, body.size());
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    /** Writes a DER length. */
    private static void writeLength(ByteArrayOutputStream out, int len) {
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
    }
}
