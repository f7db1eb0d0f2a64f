package dev.skein.it.support;

/** Policy documents the tests put with etcdctl, exactly as an operator would write them. */
public final class Policies {
  private Policies() {}

  public static final String ROUTE_KEY = "/skein/policies/default/Route/orders";
  public static final String DESTINATION_KEY = "/skein/policies/default/DestinationPolicy/orders";

  public static final String ORDERS_SUBSETS =
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

  /** A circuit breaker on orders that opens after 10 calls at 50% failures, for 2 s. */
  public static final String ORDERS_BREAKER =
      """
      kind: DestinationPolicy
      metadata: {name: orders}
      spec:
        host: orders
        circuitBreaker: {failureRateThreshold: 50, minimumCalls: 10, openStateDuration: 2s}
      """;

  /** Outlier detection on orders: three 5xx in a row eject an endpoint for 2 s. */
  public static final String ORDERS_OUTLIER_DETECTION =
      """
      kind: DestinationPolicy
      metadata: {name: orders}
      spec:
        host: orders
        outlierDetection: {consecutive5xxErrors: 3, interval: 1s, baseEjectionTime: 2s, maxEjectionPercent: 50}
      """;

  /** A weighted split between v1 and v2. */
  public static String split(int v1, int v2) {
    return """
        apiVersion: skein.dev/v1
        kind: Route
        metadata: {name: orders, namespace: default}
        spec:
          host: orders
          http:
            - name: split
              route:
                - {destination: {subset: v1}, weight: %d}
                - {destination: {subset: v2}, weight: %d}
        """
        .formatted(v1, v2);
  }

  /** x-canary: true goes to v2, everything else to v1. */
  public static final String CANARY_HEADER =
      """
      apiVersion: skein.dev/v1
      kind: Route
      metadata: {name: orders, namespace: default}
      spec:
        host: orders
        http:
          - name: canary
            match:
              - headers: {x-canary: {exact: "true"}}
            route:
              - destination: {subset: v2}
          - name: default
            route:
              - destination: {subset: v1}
      """;
}
