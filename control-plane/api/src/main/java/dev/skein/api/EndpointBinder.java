package dev.skein.api;

/** Binds one endpoint (a ServiceEntry item or a registered endpoint's JSON). */
final class EndpointBinder {
    private EndpointBinder() {}

    /** The registration's {@code tls} flag: anything but JSON {@code true} means plain text. */
    private static boolean isTrue(org.snakeyaml.engine.v2.nodes.Node n) {
        return n instanceof org.snakeyaml.engine.v2.nodes.ScalarNode s
                && org.snakeyaml.engine.v2.nodes.Tag.BOOL.equals(s.getTag()) && "true".equalsIgnoreCase(s.getValue());
    }

    /** @param strict reject unknown fields (user-written policy) or ignore them (agent-written record) */
    static Endpoint bind(Binder b, boolean strict) {
        int before = b.problems().count();
        if (strict) {
            b.allow("address", "port", "protocol", "labels");
        }
        b.require("address", "port");
        String address = b.text("address");
        if (address != null && !address.matches("[A-Za-z0-9.:\\[\\]%_-]+")) {
            b.problem("address", "must be an IP address or host name, got " + Values.quote(address));
        }
        Integer port = b.integer("port", 1, 65535);
        String protocol = b.string("protocol");
        if (protocol != null && !Endpoint.PROTOCOLS.contains(protocol)) {
            b.problem("protocol", "must be one of http, grpc, got " + Values.quote(protocol));
        }
        java.util.Map<String, String> labels = Names.labels(b, "labels");
        boolean tls = !strict && isTrue(b.node("tls"));
        if (b.problems().count() > before) {
            return null;
        }
        return new Endpoint(address, port, protocol, labels, tls);
    }
}
