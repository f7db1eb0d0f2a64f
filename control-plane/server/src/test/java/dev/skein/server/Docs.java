package dev.skein.server;

/** Policy texts used by the tests. */
final class Docs {
    private Docs() {}

    static String route(String name, String host, String... subsetsAndWeights) {
        StringBuilder sb = new StringBuilder("apiVersion: skein.dev/v1\nkind: Route\nmetadata: {name: " + name
                + ", namespace: default}\nspec:\n  host: " + host + "\n  http:\n    - name: default\n      route:\n");
        for (int i = 0; i < subsetsAndWeights.length; i += 2) {
            sb.append("        - {destination: {subset: ").append(subsetsAndWeights[i]).append("}, weight: ")
                    .append(subsetsAndWeights[i + 1]).append("}\n");
        }
        return sb.toString();
    }

    static String destination(String name, String host, String... subsets) {
        StringBuilder sb = new StringBuilder("apiVersion: skein.dev/v1\nkind: DestinationPolicy\nmetadata: {name: " + name
                + "}\nspec:\n  host: " + host + "\n  loadBalancer: {simple: LEAST_REQUEST}\n  subsets:\n");
        for (String s : subsets) {
            sb.append("    - {name: ").append(s).append(", labels: {version: ").append(s).append("}}\n");
        }
        return sb.toString();
    }

    static String join(String... docs) {
        return String.join("---\n", docs);
    }
}
