package dev.skein.core.identity;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A fresh ECDSA P-256 key pair and the PKCS#10 request (PEM) for it. The subject is informative
 * only: the control plane takes the identity from the etcd key the request is written at.
 * Signs with the JDK's SunEC through BouncyCastle's JCA builders (no provider is registered).
 */
record CertificateRequest(KeyPair keyPair, String pem) {
  static CertificateRequest create(String namespace, String service) throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = generator.generateKeyPair();
    try {
      byte[] der =
          new JcaPKCS10CertificationRequestBuilder(new X500Name("O=skein, OU=" + namespace + ", CN=" + service), pair.getPublic())
              .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()))
              .getEncoded();
      String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
      return new CertificateRequest(pair, "-----BEGIN CERTIFICATE REQUEST-----\n" + body + "\n-----END CERTIFICATE REQUEST-----\n");
    } catch (OperatorCreationException | IOException e) {
      throw new GeneralSecurityException(e);
    }
  }
}
