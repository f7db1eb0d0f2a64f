package dev.skein.core.state;

import dev.skein.api.DestinationPolicySpec;
import dev.skein.api.Endpoint;
import dev.skein.api.EndpointRef;
import dev.skein.api.HttpRule;
import dev.skein.api.KeyLayout;
import dev.skein.api.LoadBalancer;
import dev.skein.api.Policy;
import dev.skein.api.PolicyKind;
import dev.skein.api.Problem;
import dev.skein.api.RouteSpec;
import dev.skein.api.ServiceEntrySpec;
import dev.skein.api.Subset;
import dev.skein.api.WeightedDestination;
import dev.skein.core.routing.CompiledRoute;
import dev.skein.core.routing.EndpointGroup;
import dev.skein.core.routing.ServiceTarget;
import dev.skein.core.resilience.CallPolicies;
import dev.skein.core.resilience.DestinationGuard;
import dev.skein.core.resilience.EndpointHealth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds a {@link MeshSnapshot} from the policies and endpoints in force. All parsing, label
 * selection and weight arithmetic happens here, once per change, so that the hot path only does
 * map lookups and array picks.
 */
public final class SnapshotBuilder {
  private final KeyLayout layout;
  private final String ownNamespace;
  // Resilience state outlives snapshots: an ejection, the calls in flight and an open breaker
  // must survive an unrelated change. Only build() touches these, under its lock.
  private Map<String, EndpointHealth> health = new HashMap<>();
  private Map<String, DestinationGuard> guards = new HashMap<>();
  private Map<String, EndpointHealth> nextHealth;
  private Map<String, DestinationGuard> nextGuards;

  public SnapshotBuilder(KeyLayout layout, String ownNamespace) {
    this.layout = layout;
    this.ownNamespace = ownNamespace;
  }

  public synchronized MeshSnapshot build(
      Map<String, Policy> policies,
      Map<String, Endpoint> endpoints,
      long revision,
      ConfigChange.Origin origin,
      Map<String, List<Problem>> rejected) {
    Map<String, List<Endpoint>> endpointsById = new TreeMap<>();
    Map<String, DestinationPolicySpec> destinations = new HashMap<>();
    Map<String, Policy> routes = new HashMap<>();
    endpoints.forEach(
        (key, endpoint) -> {
          EndpointRef ref = layout.parseEndpointKey(key).orElseThrow();
          endpointsById.computeIfAbsent(ref.namespace() + "/" + ref.service(), k -> new ArrayList<>()).add(endpoint);
        });
    for (Policy p : policies.values()) {
      if (p.kind() == PolicyKind.ServiceEntry) {
        ServiceEntrySpec entry = p.spec(ServiceEntrySpec.class);
        endpointsById.computeIfAbsent(serviceId(p.namespace(), entry.host()), k -> new ArrayList<>()).addAll(entry.endpoints());
      } else if (p.kind() == PolicyKind.DestinationPolicy) {
        destinations.put(serviceId(p.namespace(), p.spec(DestinationPolicySpec.class).host()), p.spec(DestinationPolicySpec.class));
      } else if (p.kind() == PolicyKind.Route) {
        routes.put(serviceId(p.namespace(), p.spec(RouteSpec.class).host()), p);
      }
    }
    nextHealth = new HashMap<>();
    nextGuards = new HashMap<>();
    List<String> ids = new ArrayList<>(endpointsById.keySet());
    destinations.keySet().stream().filter(id -> !ids.contains(id)).forEach(ids::add);
    routes.keySet().stream().filter(id -> !ids.contains(id)).forEach(ids::add);

    Map<String, ServiceTarget> byId = new LinkedHashMap<>();
    Map<String, ServiceTarget> byHost = new HashMap<>();
    Map<String, ServiceTarget> grpcById = new LinkedHashMap<>();
    Map<String, ServiceTarget> grpcByHost = new HashMap<>();
    for (String id : ids) {
      CompiledRoute route = compile(routes.get(id));
      List<Endpoint> all = endpointsById.getOrDefault(id, List.of());
      index(id, target(id, "http", all, destinations.get(id), route), byId, byHost);
      index(id, target(id, "grpc", all, destinations.get(id), route), grpcById, grpcByHost);
    }
    health = nextHealth;
    guards = nextGuards;
    return new MeshSnapshot(
        revision, origin, Map.copyOf(policies), Map.copyOf(endpoints), Map.copyOf(rejected), Map.copyOf(byHost), Map.copyOf(byId),
        Map.copyOf(grpcByHost), Map.copyOf(grpcById));
  }

  /** One service's view for one protocol: the Route and subsets apply to each protocol alike. */
  private ServiceTarget target(
      String id, String protocol, List<Endpoint> endpoints, DestinationPolicySpec destination, CompiledRoute route) {
    int slash = id.indexOf('/');
    List<Endpoint> selected = new ArrayList<>();
    for (Endpoint e : endpoints) {
      if (protocol.equals(e.protocol())) {
        selected.add(e);
      }
    }
    return new ServiceTarget(
        id.substring(0, slash),
        id.substring(slash + 1),
        group(protocol, id, null, selected, destination),
        subsets(protocol, id, destination, selected),
        route);
  }

  /** One destination's endpoints with their shared health, its guard and its balancer. */
  private EndpointGroup group(String protocol, String id, String subset, List<Endpoint> endpoints, DestinationPolicySpec policy) {
    EndpointHealth[] states = new EndpointHealth[endpoints.size()];
    for (int i = 0; i < states.length; i++) {
      Endpoint e = endpoints.get(i);
      String key = protocol + "|" + id + "|" + e.address() + ":" + e.port();
      EndpointHealth h = nextHealth.get(key);
      if (h == null) {
        h = health.getOrDefault(key, new EndpointHealth());
        nextHealth.put(key, h);
      }
      states[i] = h;
    }
    String guardKey = protocol + "|" + id + "|" + (subset == null ? "" : subset);
    List<Object> settings =
        policy == null
            ? List.of()
            : java.util.Arrays.asList(policy.connectionPool(), policy.outlierDetection(), policy.circuitBreaker());
    DestinationGuard guard = guards.get(guardKey);
    if (guard == null || !guard.settings().equals(settings)) {
      guard =
          policy == null
              ? new DestinationGuard(null, null, settings)
              : new DestinationGuard(policy.connectionPool(), policy.outlierDetection(), policy.circuitBreaker(), guardKey, settings);
    }
    nextGuards.put(guardKey, guard);
    LoadBalancer lb = policy == null ? null : policy.loadBalancer();
    return new EndpointGroup(
        id,
        subset,
        endpoints,
        states,
        guard,
        lb == null ? null : lb.simple(),
        lb == null || lb.consistentHash() == null ? null : lb.consistentHash().httpHeaderName());
  }

  private void index(String id, ServiceTarget target, Map<String, ServiceTarget> byId, Map<String, ServiceTarget> byHost) {
    byId.put(id, target);
    byHost.put(target.name() + "." + target.namespace(), target);
    if (target.namespace().equals(ownNamespace)) {
      byHost.put(target.name(), target);
    }
  }

  private Map<String, EndpointGroup> subsets(String protocol, String id, DestinationPolicySpec policy, List<Endpoint> endpoints) {
    if (policy == null) {
      return Map.of();
    }
    Map<String, EndpointGroup> subsets = new HashMap<>();
    for (Subset subset : policy.subsets()) {
      List<Endpoint> selected = new ArrayList<>();
      for (Endpoint e : endpoints) {
        if (e.labels().entrySet().containsAll(subset.labels().entrySet())) {
          selected.add(e);
        }
      }
      subsets.put(subset.name(), group(protocol, id, subset.name(), selected, policy));
    }
    return Map.copyOf(subsets);
  }

  private CompiledRoute compile(Policy policy) {
    if (policy == null) {
      return null;
    }
    RouteSpec spec = policy.spec(RouteSpec.class);
    List<CompiledRoute.Rule> rules = new ArrayList<>();
    for (HttpRule rule : spec.http()) {
      List<WeightedDestination> route = rule.route();
      CompiledRoute.Choice[] choices = new CompiledRoute.Choice[route.size()];
      int cumulative = 0;
      for (int i = 0; i < route.size(); i++) {
        WeightedDestination d = route.get(i);
        cumulative += route.size() == 1 ? 100 : d.weight();
        String host = d.destination().host() == null ? spec.host() : d.destination().host();
        choices[i] = new CompiledRoute.Choice(serviceRef(policy.namespace(), host), d.destination().subset(), cumulative);
      }
      CompiledRoute.Mirror mirror = null;
      if (rule.mirror() != null) {
        String host = rule.mirror().destination().host() == null ? spec.host() : rule.mirror().destination().host();
        mirror = new CompiledRoute.Mirror(serviceRef(policy.namespace(), host), rule.mirror().destination().subset(), rule.mirror().percent());
      }
      rules.add(new CompiledRoute.Rule(rule.name(), List.copyOf(rule.match()), choices, cumulative, CallPolicies.of(rule), mirror));
    }
    return new CompiledRoute(policy.name(), List.copyOf(rules));
  }

  /** {@code orders} in namespace ns, or {@code orders.other} in namespace other. */
  static String serviceId(String namespace, String host) {
    CompiledRoute.ServiceRef ref = serviceRef(namespace, host);
    return ref.id();
  }

  static CompiledRoute.ServiceRef serviceRef(String namespace, String host) {
    int dot = host.indexOf('.');
    return dot < 0
        ? new CompiledRoute.ServiceRef(namespace, host)
        : new CompiledRoute.ServiceRef(host.substring(dot + 1), host.substring(0, dot));
  }
}
