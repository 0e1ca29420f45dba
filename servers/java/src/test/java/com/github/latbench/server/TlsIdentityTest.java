/*
 * Tests of reading --tls-cert and --tls-key: the key formats, and the errors that name the file.
 */
package com.github.latbench.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsIdentityTest {

    @TempDir
    static Path dir;
    private static TestCerts ec;
    private static TestCerts rsa;
    private static TestCerts otherEc;

    @BeforeAll
    static void makeCerts() throws Exception {
        ec = TestCerts.ec(dir.resolve("ec"));
        rsa = TestCerts.rsa(dir.resolve("rsa"));
        otherEc = TestCerts.ec(dir.resolve("other"));
    }

    private static TlsIdentity load(Path cert, Path key) throws Exception {
        return TlsIdentity.load(cert.toString(), key.toString());
    }

    @Test
    void readsPkcs8Pkcs1AndSec1Keys() throws Exception {
        for (TestCerts c : new TestCerts[] {ec, rsa}) {
            for (Path key : new Path[] {c.keyFile(), c.legacyKeyFile()}) {
                TlsIdentity id = load(c.certFile(), key);
                assertEquals(c.keys().getPrivate(), id.key(), key.toString());
                assertEquals(c.cert(), id.chain()[0]);
                assertEquals(1, id.chain().length);
            }
        }
    }

    @Test
    void readsAChainAndSkipsOtherBlocks() throws Exception {
        Path chain = dir.resolve("chain.pem");
        Files.writeString(chain, "leaf first\n" + Files.readString(ec.certFile()) + Files.readString(rsa.certFile()));
        // OpenSSL writes EC PARAMETERS before an EC key.
        Path key = dir.resolve("with-params.pem");
        Files.writeString(key, TestCerts.pem("EC PARAMETERS", new byte[] {6, 8, 42, (byte) 134, 72, (byte) 206, 61, 3, 1, 7})
                + Files.readString(ec.legacyKeyFile()));
        TlsIdentity id = load(chain, key);
        assertEquals(2, id.chain().length);
        assertEquals(ec.cert(), id.chain()[0]);
    }

    /** Checks that loading fails with a message that starts with want. */
    private static void assertFails(Path cert, Path key, String want) {
        TlsIdentity.TlsException e = assertThrows(TlsIdentity.TlsException.class, () -> load(cert, key));
        assertTrue(e.getMessage().startsWith(want), e.getMessage());
    }

    @Test
    void namesTheFileThatDoesNotRead() {
        Path missing = dir.resolve("missing.pem");
        assertFails(missing, ec.keyFile(), "--tls-cert " + missing + ": cannot read: no such file");
        assertFails(ec.certFile(), missing, "--tls-key " + missing + ": cannot read: no such file");
        assertFails(dir, ec.keyFile(), "--tls-cert " + dir + ": cannot read");
    }

    @Test
    void namesTheFileWithoutACertificateOrKey() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");
        assertFails(empty, ec.keyFile(), "--tls-cert " + empty + ": no PEM certificate");
        assertFails(ec.certFile(), empty, "--tls-key " + empty + ": no PEM private key");
        // The key file given as the certificate and the other way round.
        assertFails(ec.keyFile(), ec.certFile(), "--tls-cert " + ec.keyFile() + ": no PEM certificate");
        Path junk = Files.writeString(dir.resolve("junk.pem"), TestCerts.pem("CERTIFICATE", new byte[] {1, 2, 3}));
        assertFails(junk, ec.keyFile(), "--tls-cert " + junk + ": not a PEM certificate");
        Path junkKey = Files.writeString(dir.resolve("junk-key.pem"), TestCerts.pem("PRIVATE KEY", new byte[] {1, 2}));
        assertFails(ec.certFile(), junkKey, "--tls-key " + junkKey + ": not a private key");
        Path encrypted = Files.writeString(dir.resolve("enc.pem"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + Base64.getEncoder().encodeToString(new byte[] {1})
                + "\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertFails(ec.certFile(), encrypted, "--tls-key " + encrypted + ": a ENCRYPTED PRIVATE KEY is not supported");
    }

    @Test
    void rejectsAKeyThatDoesNotMatch() {
        String want = ": the private key does not match the certificate of --tls-cert ";
        assertFails(ec.certFile(), otherEc.keyFile(), "--tls-key " + otherEc.keyFile() + want + ec.certFile());
        assertFails(ec.certFile(), otherEc.legacyKeyFile(), "--tls-key " + otherEc.legacyKeyFile() + want);
        assertFails(ec.certFile(), rsa.keyFile(), "--tls-key " + rsa.keyFile() + want);
        assertFails(ec.certFile(), rsa.legacyKeyFile(), "--tls-key " + rsa.legacyKeyFile() + want);
        assertFails(rsa.certFile(), ec.keyFile(), "--tls-key " + ec.keyFile() + want);
        assertFails(rsa.certFile(), ec.legacyKeyFile(), "--tls-key " + ec.legacyKeyFile() + want);
    }
}
