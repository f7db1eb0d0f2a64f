package dev.skein.it.demo;

/** The policies the demo applies, exactly as an operator would write them. */
final class DemoPolicies {
  private DemoPolicies() {}

  static final String ORDERS_ROUTE_KEY = "/skein/policies/default/Route/orders";
  static final String ORDERS_DESTINATION_KEY = "/skein/policies/default/DestinationPolicy/orders";
  static final String INVENTORY_ROUTE_KEY = "/skein/policies/default/Route/inventory";

  /** Subsets v1 and v2 of orders. */
  static final String ORDERS_SUBSETS =
      """
      apiVersion: skein.dev/v1
      kind: DestinationPolicy
      metadata: {name: orders, namespace: default}
      spec:
        host: orders
        subsets:
          - {name: v1, labels: {version: v1}}
          - {name: v2, labels: {version: v2}}
      """;

  /** Subsets v1 and v2 of orders and a 90/10 split: one file for {@code skein apply}. */
  static final String CANARY =
      ORDERS_SUBSETS
          + """
      ---
      apiVersion: skein.dev/v1
      kind: Route
      metadata: {name: orders, namespace: default}
      spec:
        host: orders
        http:
          - name: canary
            route:
              - {destination: {subset: v1}, weight: 90}
              - {destination: {subset: v2}, weight: 10}
      """;

  /** x-canary: true goes to v2, everything else to v1; optionally with retries on 5xx. */
  static String headerRoute(boolean retries) {
    String retry = retries ? "\n      retries: {attempts: 3, retryOn: 5xx}" : "";
    return """
        apiVersion: skein.dev/v1
        kind: Route
        metadata: {name: orders, namespace: default}
        spec:
          host: orders
          http:
            - name: canary-users
              match:
                - headers: {x-canary: {exact: "true"}}
              route:
                - destination: {subset: v2}%1$s
            - name: everyone-else
              route:
                - destination: {subset: v1}%1$s
        """
        .formatted(retry);
  }

  /** Aborts a share of the calls to inventory with UNAVAILABLE, in each caller's agent. */
  static String inventoryFault(int percent) {
    return """
        apiVersion: skein.dev/v1
        kind: Route
        metadata: {name: inventory, namespace: default}
        spec:
          host: inventory
          http:
            - name: chaos
              fault:
                abort: {percent: %d, grpcStatus: UNAVAILABLE}
              route:
                - destination: {host: inventory}
        """
        .formatted(percent);
  }

  /** The orders subsets with a circuit breaker in each caller's agent. */
  static final String ORDERS_BREAKER =
      """
      apiVersion: skein.dev/v1
      kind: DestinationPolicy
      metadata: {name: orders, namespace: default}
      spec:
        host: orders
        subsets:
          - {name: v1, labels: {version: v1}}
          - {name: v2, labels: {version: v2}}
        circuitBreaker: {failureRateThreshold: 50, minimumCalls: 20, openStateDuration: 3s}
      """;

  /** A Route no agent accepts (a weight over 100). */
  static final String INVALID_ROUTE =
      """
      apiVersion: skein.dev/v1
      kind: Route
      metadata: {name: orders, namespace: default}
      spec:
        host: orders
        http:
          - name: typo
            route:
              - {destination: {subset: v1}, weight: 140}
      """;

  static final String ORDERS_SPIFFE_ID = "spiffe://skein.local/ns/default/sa/orders";
  static final String INVENTORY_AUTHORIZATION_KEY = "/skein/policies/default/AuthorizationPolicy/inventory-deny-orders";

  /** inventory refuses every call from orders' workload identity. */
  static final String INVENTORY_DENIES_ORDERS =
      """
      apiVersion: skein.dev/v1
      kind: AuthorizationPolicy
      metadata: {name: inventory-deny-orders, namespace: default}
      spec:
        selector: {service: inventory}
        action: DENY
        rules:
          - from: [{principals: ["%s"]}]
      """
          .formatted(ORDERS_SPIFFE_ID);

  static final String ORDERS_PEER_AUTHENTICATION_KEY = "/skein/policies/default/PeerAuthentication/orders";

  /** orders accepts only the mesh's mutual TLS. */
  static final String ORDERS_STRICT_MTLS =
      """
      apiVersion: skein.dev/v1
      kind: PeerAuthentication
      metadata: {name: orders, namespace: default}
      spec:
        selector: {service: orders}
        mtls: {mode: STRICT}
      """;
}
