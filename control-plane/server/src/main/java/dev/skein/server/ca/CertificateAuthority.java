package dev.skein.server.ca;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;

/**
 * The mesh CA: an ECDSA P-256 signing key and certificate (a self-signed root, or an intermediate
 * under an operator's root), the chain sent with each workload certificate and the trust roots.
 * Uses the JDK's own providers (SunEC) through BouncyCastle's JCA builders: no provider to register.
 */
public final class CertificateAuthority {
    static final Duration ROOT_LIFETIME = Duration.ofDays(3650);
    static final Duration INTERMEDIATE_LIFETIME = Duration.ofDays(1825);
    /** Workload certificates start a little in the past: a peer's clock may lag. */
    private static final Duration BACKDATE = Duration.ofMinutes(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String trustDomain;
    private final PrivateKey key;
    private final X509Certificate certificate;
    /** Sent after each workload certificate: the CA's certificates below the root (none for a root CA). */
    private final List<X509Certificate> intermediates;
    private final List<X509Certificate> roots;

    CertificateAuthority(String trustDomain, PrivateKey key, X509Certificate certificate, List<X509Certificate> intermediates,
            List<X509Certificate> roots) {
        this.trustDomain = trustDomain;
        this.key = key;
        this.certificate = certificate;
        this.intermediates = List.copyOf(intermediates);
        this.roots = List.copyOf(roots);
    }

    /** A new self-signed root for the trust domain. */
    public static CertificateAuthority createRoot(String trustDomain) throws GeneralSecurityException {
        KeyPair pair = newKeyPair();
        X500Name name = new X500Name("O=skein, CN=" + trustDomain + " root CA");
        Instant now = Instant.now();
        X509Certificate root = caCertificate(name, pair.getPublic(), name, pair.getPrivate(), null, trustDomain, now,
                now.plus(ROOT_LIFETIME), -1);
        return new CertificateAuthority(trustDomain, pair.getPrivate(), root, List.of(), List.of(root));
    }

    /** A new intermediate under an operator's root; it lives at most as long as the root. */
    public static CertificateAuthority createIntermediate(String trustDomain, X509Certificate root, PrivateKey rootKey)
            throws GeneralSecurityException {
        KeyPair pair = newKeyPair();
        Instant now = Instant.now();
        Instant end = now.plus(INTERMEDIATE_LIFETIME);
        if (root.getNotAfter().toInstant().isBefore(end)) {
            end = root.getNotAfter().toInstant();
        }
        X509Certificate intermediate = caCertificate(new X500Name("O=skein, CN=" + trustDomain + " intermediate CA"),
                pair.getPublic(), X500Name.getInstance(root.getSubjectX500Principal().getEncoded()), rootKey, root,
                trustDomain, now, end, 0);
        intermediate.verify(root.getPublicKey());
        return new CertificateAuthority(trustDomain, pair.getPrivate(), intermediate, List.of(intermediate), List.of(root));
    }

    /** Reads a CA written by {@link #write}. */
    public static CertificateAuthority load(CaFiles files) throws IOException {
        String trustDomain = Files.readString(files.trustDomain()).trim();
        PrivateKey key = Pem.privateKey(Files.readString(files.key()));
        List<X509Certificate> certificate = Pem.certificates(Files.readString(files.certificate()));
        List<X509Certificate> roots = Pem.certificates(Files.readString(files.bundle()));
        if (certificate.isEmpty() || roots.isEmpty()) {
            throw new IOException("no certificate in " + files.certificate() + " or " + files.bundle());
        }
        return new CertificateAuthority(trustDomain, key, certificate.get(0), Pem.certificates(Files.readString(files.chain())), roots);
    }

    /** Writes the CA's files; the key with mode 600. */
    public void write(CaFiles files) throws IOException {
        files.writeKey(Pem.pkcs8(key));
        Files.writeString(files.certificate(), Pem.encode(certificate));
        // The chain sent after each workload certificate stops below the root: peers hold the root.
        Files.writeString(files.chain(), Pem.encode(intermediates.toArray()));
        Files.writeString(files.bundle(), Pem.encode(roots.toArray()));
        Files.writeString(files.trustDomain(), trustDomain + "\n");
    }

    public String trustDomain() {
        return trustDomain;
    }

    /** The trust roots, PEM. */
    public String bundlePem() {
        return Pem.encode(roots.toArray());
    }

    public List<X509Certificate> roots() {
        return roots;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** {@code spiffe://<trust-domain>/ns/<namespace>/sa/<service>}. */
    public String spiffeId(String namespace, String service) {
        return "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + service;
    }

    /**
     * Signs a workload certificate for the CSR's public key. The identity comes from the caller
     * (the key the CSR was written at), never from the CSR's subject or extensions.
     *
     * @return the chain: the workload certificate, then the CA's certificates below the root
     * @throws IllegalArgumentException when the CSR's self-signature does not verify
     */
    public List<X509Certificate> issue(PKCS10CertificationRequest csr, String namespace, String service, Duration ttl)
            throws GeneralSecurityException {
        PublicKey publicKey;
        try {
            // By name, not by OID: the JDK's SunEC does not register its KeyFactory under the OID.
            publicKey = java.security.KeyFactory.getInstance("EC")
                    .generatePublic(new java.security.spec.X509EncodedKeySpec(csr.getSubjectPublicKeyInfo().getEncoded()));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("the CSR's key is not an EC key: " + e.getMessage(), e);
        }
        try {
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(publicKey))) {
                throw new IllegalArgumentException("the CSR's signature does not verify");
            }
        } catch (OperatorCreationException | PKCSException e) {
            throw new IllegalArgumentException("the CSR's signature cannot be checked: " + e.getMessage(), e);
        }
        Instant now = Instant.now();
        Instant end = now.plus(ttl);
        if (certificate.getNotAfter().toInstant().isBefore(end)) {
            end = certificate.getNotAfter().toInstant();
        }
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(), Date.from(now.minus(backdate(ttl))),
                Date.from(end), new X500Name("O=skein, OU=" + namespace + ", CN=" + service), publicKey);
        try {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
            b.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            b.addExtension(Extension.subjectAlternativeName, true,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, spiffeId(namespace, service))));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(publicKey));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        List<X509Certificate> out = new ArrayList<>();
        out.add(sign(b, key));
        out.addAll(intermediates);
        return out;
    }

    private static X509Certificate caCertificate(X500Name subject, PublicKey publicKey, X500Name issuer, PrivateKey issuerKey,
            X509Certificate issuerCert, String trustDomain, Instant from, Instant to, int pathLen) throws GeneralSecurityException {
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, serial(), Date.from(from.minus(BACKDATE)),
                Date.from(to), subject, publicKey);
        try {
            b.addExtension(Extension.basicConstraints, true, pathLen < 0 ? new BasicConstraints(true) : new BasicConstraints(pathLen));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(publicKey));
            if (issuerCert != null) {
                b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuerCert));
            }
            b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://" + trustDomain)));
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        return sign(b, issuerKey);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws GeneralSecurityException {
        try {
            String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(algorithm).build(key)));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    /** At most a quarter of the lifetime, so that half-life renewal stays in the future for short TTLs. */
    private static Duration backdate(Duration ttl) {
        Duration quarter = ttl.dividedBy(4);
        return quarter.compareTo(BACKDATE) < 0 ? quarter : BACKDATE;
    }

    static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** 159 random bits: positive and within the 20 octets RFC 5280 allows. */
    private static BigInteger serial() {
        return new BigInteger(159, RANDOM).setBit(150);
    }
}
