package dev.skein.server.ca;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/** PEM encoding and decoding of certificates, keys and certificate requests (BouncyCastle's PEM codec). */
public final class Pem {
    private Pem() {}

    /** One PEM text holding every object in order (a chain, a bundle, a key). */
    public static String encode(Object... objects) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                w.writeObject(o);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    /** A private key as PKCS#8 PEM ({@code PRIVATE KEY}), the form openssl and the JDK both read. */
    public static String pkcs8(PrivateKey key) {
        return "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    /** Every certificate in a PEM text, in order; empty for a blank text. */
    public static List<X509Certificate> certificates(String pem) {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            List<X509Certificate> out = new ArrayList<>();
            cf.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
                    .forEach(c -> out.add((X509Certificate) c));
            return out;
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not a PEM certificate list: " + e.getMessage(), e);
        }
    }

    /** A private key in PKCS#8 ({@code PRIVATE KEY}) or OpenSSL ({@code EC PRIVATE KEY}) PEM form. */
    public static PrivateKey privateKey(String pem) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                // OpenSSL's EC form may omit the public key: read only the private part.
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            throw new IllegalArgumentException("no unencrypted private key in the PEM text");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the private key: " + e.getMessage(), e);
        }
    }

    /** A PKCS#10 certificate request in PEM form. */
    public static PKCS10CertificationRequest csr(String pem) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            if (o instanceof PKCS10CertificationRequest csr) {
                return csr;
            }
            throw new IllegalArgumentException("no CERTIFICATE REQUEST in the PEM text");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the certificate request: " + e.getMessage(), e);
        }
    }
}
