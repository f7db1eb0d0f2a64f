package dev.skein.server.dashboard;

import java.util.Map;

/**
 * One agent as the dashboard knows it: its status key in etcd, the labels of its registered
 * endpoints and where its admin endpoint listens (0 when it has none).
 */
record AgentInfo(String id, String namespace, String service, long pid, long revision, int adminPort,
        Map<String, String> labels) {

    /** The version label, or "-" when the agent registered none. */
    String version() {
        return labels.getOrDefault("version", "-");
    }
}
