package dev.skein.core.routing;

import java.util.Map;

/**
 * One mesh service as a client sees it for one protocol: all its endpoints, its subsets (from
 * its DestinationPolicy) and its compiled Route, if any.
 */
public record ServiceTarget(
    String namespace,
    String name,
    EndpointGroup all,
    Map<String, EndpointGroup> subsets,
    CompiledRoute route) {

  /** {@code namespace/name}. */
  public String id() {
    return namespace + "/" + name;
  }

  /** The subset's endpoints; all endpoints when the subset is unknown (the snapshot was built that way). */
  public EndpointGroup subset(String subsetName) {
    if (subsetName == null) {
      return all;
    }
    EndpointGroup group = subsets.get(subsetName);
    return group == null ? EndpointGroup.EMPTY : group;
  }
}
