package dev.skein.core.identity;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throw-away ECDSA P-256 root that issues SPIFFE workload identities, for tests. */
public final class TestCa {
  private static final AtomicLong SERIAL = new AtomicLong(1);
  private final KeyPair key;
  private final X509Certificate root;

  public TestCa(String name) throws Exception {
    key = ecKey();
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            new X500Name("CN=" + name), BigInteger.valueOf(SERIAL.getAndIncrement()), Date.from(now.minusSeconds(60)),
            Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=" + name), key.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    root = new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
  }

  public X509Certificate root() {
    return root;
  }

  /** A workload identity for {@code spiffeId}, trusting the given roots. */
  public WorkloadIdentity issue(String spiffeId, List<X509Certificate> trust) throws Exception {
    KeyPair workload = ecKey();
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder b =
        new JcaX509v3CertificateBuilder(
            root, BigInteger.valueOf(SERIAL.getAndIncrement()), Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofHours(1))),
            new X500Name("O=skein"), workload.getPublic());
    b.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, spiffeId)));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    X509Certificate leaf =
        new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    return new WorkloadIdentity(workload.getPrivate(), List.of(leaf), trust, spiffeId);
  }

  private static KeyPair ecKey() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }
}
