package dev.skein.server.ca;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The files of a mesh CA in its directory (default {@code ~/.skein/ca}): {@code ca.key} (mode 600,
 * never copied anywhere else), {@code ca.crt} (the signing certificate), {@code chain.pem} (the
 * signing certificate and any intermediates, appended after each workload certificate),
 * {@code bundle.pem} (the trust roots published in etcd) and {@code trust-domain}.
 */
public record CaFiles(Path dir) {
    /** {@code ~/.skein/ca}. */
    public static Path defaultDir() {
        return Path.of(System.getProperty("user.home"), ".skein", "ca");
    }

    public Path key() {
        return dir.resolve("ca.key");
    }

    public Path certificate() {
        return dir.resolve("ca.crt");
    }

    public Path chain() {
        return dir.resolve("chain.pem");
    }

    public Path bundle() {
        return dir.resolve("bundle.pem");
    }

    public Path trustDomain() {
        return dir.resolve("trust-domain");
    }

    /** Writes the private key readable by its owner only, before any byte of it reaches the disk. */
    void writeKey(String pem) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve("ca.key.tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp); // not a POSIX file system
        }
        Files.writeString(tmp, pem);
        Files.move(tmp, key(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
