package dev.skein.api;

import java.util.Objects;

/**
 * What a server accepts.
 *
 * @param selector nullable: the whole namespace
 * @param mtls     never null; {@link MtlsMode#PERMISSIVE} when omitted
 */
public record PeerAuthenticationSpec(Selector selector, Mtls mtls) implements PolicySpec {
    /** Omitted mTLS setting means PERMISSIVE. */
    public PeerAuthenticationSpec {
        mtls = Objects.requireNonNullElse(mtls, new Mtls(MtlsMode.PERMISSIVE));
    }
}
