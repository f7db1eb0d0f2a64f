package dev.skein.instrumentation.grpc.mesh;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import java.net.URI;

/**
 * The only resolver of one mesh channel: the channel hands its target to it as
 * {@code dns:///orders[:port]}, and it answers with the mesh endpoints of {@code orders}.
 */
final class MeshNameResolverProvider extends NameResolverProvider {
  private final String host;
  private final String authority;

  MeshNameResolverProvider(String host, String authority) {
    this.host = host;
    this.authority = authority;
  }

  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    return new MeshNameResolver(host, authority, args.getSynchronizationContext(), args.getServiceConfigParser());
  }

  @Override
  public String getDefaultScheme() {
    return "dns";
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 5;
  }
}
