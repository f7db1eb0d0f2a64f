package dev.skein.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringReader;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;

class CertificateRequestTest {
  /** The CSR is read back the way the control plane's CA reads it (bcpkix), and its signature holds. */
  @Test
  void isAPkcs10RequestSignedByItsOwnKey() throws Exception {
    CertificateRequest request = CertificateRequest.create("shop", "orders");

    PKCS10CertificationRequest csr;
    try (PEMParser parser = new PEMParser(new StringReader(request.pem()))) {
      csr = (PKCS10CertificationRequest) parser.readObject();
    }
    assertThat(csr.getSubject().toString()).isEqualTo("O=skein,OU=shop,CN=orders");
    assertThat(csr.getSubjectPublicKeyInfo().getEncoded()).isEqualTo(request.keyPair().getPublic().getEncoded());
    assertThat(csr.getSignatureAlgorithm().getAlgorithm().getId()).isEqualTo("1.2.840.10045.4.3.2"); // ecdsa-with-SHA256
    assertThat(csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(request.keyPair().getPublic()))).isTrue();
  }
}
