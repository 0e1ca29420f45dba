/*
 * Throwaway certificates for the TLS tests, made with BouncyCastle.
 */
package com.github.latbench.server;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed certificate for 127.0.0.1, ::1 and localhost and its key, as PEM files in a folder:
 * cert.pem, key.pem (PKCS#8) and, in the key's own format, key-legacy.pem (PKCS#1 for RSA, SEC1
 * for EC), as latbench, OpenSSL and Go write them.
 */
record TestCerts(X509Certificate cert, KeyPair keys, Path certFile, Path keyFile, Path legacyKeyFile) {

    /** Makes an EC P-256 certificate in dir. */
    static TestCerts ec(Path dir) throws Exception {
        return make(dir, "EC", 256, "SHA256withECDSA", "EC PRIVATE KEY");
    }

    /** Makes an RSA 2048 certificate in dir. */
    static TestCerts rsa(Path dir) throws Exception {
        return make(dir, "RSA", 2048, "SHA256withRSA", "RSA PRIVATE KEY");
    }

    private static TestCerts make(Path dir, String algorithm, int bits, String signature, String legacyType)
            throws Exception {
        Files.createDirectories(dir);
        KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
        g.initialize(bits);
        KeyPair keys = g.generateKeyPair();
        X509Certificate cert = selfSigned(keys, signature);
        Path certFile = dir.resolve("cert.pem");
        Path keyFile = dir.resolve("key.pem");
        Path legacy = dir.resolve("key-legacy.pem");
        Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()));
        Files.writeString(keyFile, pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        byte[] inner = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded()).parsePrivateKey()
                .toASN1Primitive().getEncoded();
        Files.writeString(legacy, pem(legacyType, inner));
        return new TestCerts(cert, keys, certFile, keyFile, legacy);
    }

    /** Returns a certificate of keys for the loopback names, valid from a day ago for a day. */
    private static X509Certificate selfSigned(KeyPair keys, String signature)
            throws IOException, GeneralSecurityException, OperatorCreationException {
        long now = System.currentTimeMillis();
        X500Name name = new X500Name("CN=latbench test");
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now),
                new Date(now - TimeUnit.DAYS.toMillis(1)), new Date(now + TimeUnit.DAYS.toMillis(1)), name,
                keys.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
            new GeneralName(GeneralName.iPAddress, "::1"),
            new GeneralName(GeneralName.dNSName, "localhost"),
        }));
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        ContentSigner signer = new JcaContentSignerBuilder(signature).build(keys.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    }

    /** Returns der as a PEM block of type. */
    static String pem(String type, byte[] der) {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n";
    }

    /** Returns a client TLS context that trusts this certificate only. */
    SSLContext clientContext() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("server", cert);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** Returns the flags that give a server this certificate. */
    String[] flags() {
        return new String[] {"--tls-cert", certFile.toString(), "--tls-key", keyFile.toString()};
    }
}
