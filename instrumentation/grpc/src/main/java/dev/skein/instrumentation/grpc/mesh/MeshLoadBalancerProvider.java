package dev.skein.instrumentation.grpc.mesh;

import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;

/** Registers the mesh load-balancing policy under {@value #POLICY}. */
final class MeshLoadBalancerProvider extends LoadBalancerProvider {
  static final String POLICY = "skein_mesh";

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public int getPriority() {
    return 5;
  }

  @Override
  public String getPolicyName() {
    return POLICY;
  }

  @Override
  public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
    return new MeshLoadBalancer(helper);
  }
}
