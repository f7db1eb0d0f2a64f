package dev.skein.core.identity;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.pkcs.CertificationRequest;
import org.bouncycastle.asn1.pkcs.CertificationRequestInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * A fresh ECDSA P-256 key pair and the PKCS#10 request (PEM) for it. The subject is informative
 * only: the control plane takes the identity from the etcd key the request is written at.
 *
 * <p>Built from BouncyCastle's ASN.1 structures and signed with the JDK's SunEC, not with
 * bcpkix's {@code JcaPKCS10CertificationRequestBuilder} and {@code JcaContentSignerBuilder}: on
 * a cold JVM those took about 450 ms (their algorithm-name tables), this about 85 ms, and under
 * STRICT mutual TLS the first request waits for this certificate.
 */
record CertificateRequest(KeyPair keyPair, String pem) {
  static CertificateRequest create(String namespace, String service) throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = generator.generateKeyPair();
    try {
      CertificationRequestInfo info =
          new CertificationRequestInfo(
              new X500Name("O=skein, OU=" + namespace + ", CN=" + service),
              SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded()),
              new DERSet());
      Signature signer = Signature.getInstance("SHA256withECDSA");
      signer.initSign(pair.getPrivate());
      signer.update(info.getEncoded(ASN1Encoding.DER));
      byte[] der =
          new CertificationRequest(info, new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256), new DERBitString(signer.sign()))
              .getEncoded(ASN1Encoding.DER);
      String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
      return new CertificateRequest(pair, "-----BEGIN CERTIFICATE REQUEST-----\n" + body + "\n-----END CERTIFICATE REQUEST-----\n");
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
  }
}
