package dev.skein.server.cli;

import dev.skein.server.UserException;
import dev.skein.server.ca.CaFiles;
import dev.skein.server.ca.CertificateAuthority;
import dev.skein.server.ca.Pem;
import dev.skein.server.ca.TrustBundle;
import dev.skein.server.etcd.Etcd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code skein ca ...}: the mesh certificate authority. */
@Command(name = "ca", description = "The mesh certificate authority.", subcommands = CaCommand.Init.class)
final class CaCommand {
    @ParentCommand SkeinCommand skein;

    /** {@code skein ca init}: creates the CA files and publishes the trust bundle in etcd. */
    @Command(name = "init", description = "Create the mesh CA (an ECDSA P-256 root, or an intermediate under "
            + "--root-cert/--root-key) in DIR and publish its trust bundle at <prefix>/ca/bundle. "
            + "The CA key stays in DIR (mode 600); it never goes into etcd.")
    static final class Init implements Callable<Integer> {
        @ParentCommand CaCommand ca;

        @Option(names = "--dir", paramLabel = "DIR", description = "where the CA files go (default ~/.skein/ca)")
        Path dir;

        @Option(names = "--trust-domain", defaultValue = "skein.local", description = "SPIFFE trust domain (default ${DEFAULT-VALUE})")
        String trustDomain;

        @Option(names = "--root-cert", paramLabel = "FILE", description = "an operator's root certificate (PEM): create an intermediate under it")
        Path rootCert;

        @Option(names = "--root-key", paramLabel = "FILE", description = "the private key of --root-cert (PEM, unencrypted)")
        Path rootKey;

        @Override
        public Integer call() throws Exception {
            if ((rootCert == null) != (rootKey == null)) {
                throw new UserException("--root-cert and --root-key go together");
            }
            if (!trustDomain.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?")) {
                throw new UserException("--trust-domain must be a lower-case DNS name, got " + trustDomain);
            }
            CaFiles files = new CaFiles(dir != null ? dir : CaFiles.defaultDir());
            CertificateAuthority authority;
            if (Files.exists(files.key())) {
                authority = CertificateAuthority.load(files);
                System.out.println("CA already exists in " + files.dir() + " (trust domain " + authority.trustDomain()
                        + "); keeping it");
            } else {
                if (rootCert != null) {
                    List<X509Certificate> roots = Pem.certificates(Files.readString(rootCert));
                    if (roots.isEmpty()) {
                        throw new UserException("no certificate in " + rootCert);
                    }
                    authority = CertificateAuthority.createIntermediate(trustDomain, roots.get(0), Pem.privateKey(Files.readString(rootKey)));
                } else {
                    authority = CertificateAuthority.createRoot(trustDomain);
                }
                authority.write(files);
                System.out.println("created " + (rootCert != null ? "an intermediate CA under " + rootCert : "a root CA")
                        + " for trust domain " + trustDomain + " in " + files.dir() + " (expires "
                        + authority.certificate().getNotAfter().toInstant() + ")");
            }
            String key = TrustBundle.key(ca.skein.layout());
            try (Etcd etcd = ca.skein.connect()) {
                boolean changed = TrustBundle.publish(etcd.client(), ca.skein.layout(), authority.roots());
                System.out.println((changed ? "published the trust bundle at " : "the trust bundle at ") + key
                        + (changed ? "" : " already holds this CA's root"));
            } catch (UserException e) {
                throw new UserException("the CA is in " + files.dir() + " but the trust bundle was not published: " + e.getMessage());
            } catch (Exception e) {
                throw new UserException("the CA is in " + files.dir() + " but the trust bundle was not published: "
                        + Etcd.rootMessage(e));
            }
            return 0;
        }
    }
}
