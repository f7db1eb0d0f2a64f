package dev.skein.instrumentation.grpc.mesh;

import dev.skein.bootstrap.AgentFaults;
import dev.skein.bootstrap.Bridge;
import io.grpc.Attributes;
import io.grpc.Grpc;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * Mesh mutual TLS for gRPC on Netty, {@code grpc-netty} and {@code grpc-netty-shaded} alike: the
 * application's channels and servers stay plaintext, and the agent puts a Netty {@code SslHandler}
 * under gRPC on the wire.
 *
 * <ul>
 *   <li>Server: each new connection gets, first in its pipeline, a detector that holds the
 *       connection back until the first byte arrives (a plaintext gRPC server writes its SETTINGS
 *       at once), then adds an {@code SslHandler} for a TLS record (0x16) made from the mesh's
 *       server context (client certificate required, TLS 1.3), lets plaintext through, or closes it
 *       under STRICT; the session shows to services as {@code Grpc.TRANSPORT_ATTR_SSL_SESSION}.
 *   <li>Client: when a mesh channel connects to an endpoint that takes the mesh's TLS, an
 *       {@code SslHandler} from the mesh's client context goes first in the pipeline before the
 *       connection opens (the server's SPIFFE ID is checked against the destination service).
 * </ul>
 *
 * Netty is reached by reflection, its package found from the channel's class, so one helper
 * serves both flavours.
 */
public final class MeshNettyTls {
  static final String HANDLER = "skein-mtls";
  private static final Map<String, Netty> NETTY = new ConcurrentHashMap<>();

  private MeshNettyTls() {}

  /** After {@code ServerImpl.start}: a server on a Netty transport takes the mesh's TLS. */
  public static void serverStarted(Object server) {
    try {
      Field field = server.getClass().getDeclaredField("transportServer");
      field.setAccessible(true);
      Object transport = field.get(server);
      if (transport != null && transport.getClass().getName().endsWith(".netty.NettyServer")) {
        Bridge.meshTlsCapable(server);
      }
    } catch (Throwable t) {
      AgentFaults.record("grpc-mtls", t);
    }
  }

  /** At {@code NettyServerTransport.start}: one new connection, before it reads anything. */
  public static void serverConnection(Object channel, Object negotiator) {
    try {
      if (negotiator != null && "https".equals(String.valueOf(invoke(negotiator, "scheme")))) {
        return; // the application's own TLS
      }
      SSLContext tls = Bridge.inboundTls();
      boolean plaintext = Bridge.inboundPlaintextAllowed();
      if (tls == null && plaintext) {
        return;
      }
      Netty netty = netty(channel);
      Object pipeline = netty.pipeline.invoke(channel);
      if (tls == null) {
        Bridge.tlsRefused("server", "gRPC connection under PeerAuthentication STRICT without a certificate");
        netty.close.invoke(channel);
        return;
      }
      netty.addFirst.invoke(pipeline, HANDLER, new FirstByteDetector(netty, tls).proxy());
    } catch (Throwable t) {
      AgentFaults.record("grpc-mtls", t);
      if (!Bridge.inboundPlaintextAllowed()) {
        close(channel);
      }
    }
  }

  /** At {@code WriteBufferingAndExceptionHandler.connect} of a client channel: TLS to a mesh endpoint. */
  public static void clientConnect(Object ctx, SocketAddress remote) {
    try {
      if (!(remote instanceof InetSocketAddress address)) {
        return;
      }
      String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
      SSLContext tls = Bridge.outboundTls(host, address.getPort());
      if (tls == null) {
        return;
      }
      Object channel = invoke(ctx, "channel");
      Netty netty = netty(channel);
      Object pipeline = netty.ctxPipeline.invoke(ctx);
      if (netty.getByName.invoke(pipeline, HANDLER) != null) {
        return;
      }
      SSLEngine engine = tls.createSSLEngine(host, address.getPort());
      engine.setUseClientMode(true);
      dev.skein.bootstrap.MeshCipherSuites.apply(engine); // TLS 1.3, AES-128-GCM first
      netty.addFirst.invoke(pipeline, HANDLER, netty.sslHandlerOf.newInstance(engine));
    } catch (Throwable t) {
      AgentFaults.record("grpc-mtls", t);
    }
  }

  /**
   * A Netty duplex handler (a {@link java.lang.reflect.Proxy} of the flavour's inbound and outbound
   * handler interfaces), first in the pipeline, that holds the connection back until its first bytes
   * arrive: gRPC's plaintext server writes its SETTINGS as soon as it is added, and those must not
   * leave in clear on a TLS connection. Then: a TLS record (0x16) gets an {@code SslHandler} between
   * the wire and this handler, the held writes go out through it, and this handler leaves the pipeline.
   */
  private static final class FirstByteDetector implements java.lang.reflect.InvocationHandler {
    private final Netty netty;
    private final SSLContext tls;
    private final java.util.List<Object[]> heldWrites = new java.util.ArrayList<>();
    private boolean heldFlush;
    private boolean activeHeld;
    private boolean decided;
    private boolean awaitingHandshake;

    FirstByteDetector(Netty netty, SSLContext tls) {
      this.netty = netty;
      this.tls = tls;
    }

    Object proxy() {
      return java.lang.reflect.Proxy.newProxyInstance(
          netty.inboundHandler.getClassLoader(), new Class<?>[] {netty.inboundHandler, netty.outboundHandler}, this);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      String name = method.getName();
      switch (name) {
        case "hashCode":
          return System.identityHashCode(proxy);
        case "equals":
          return proxy == args[0];
        case "toString":
          return "skein-mtls-detector";
        case "handlerAdded":
        case "handlerRemoved":
          return null;
        default:
          break;
      }
      Object ctx = args[0];
      if (!decided) {
        switch (name) {
          case "channelActive":
            activeHeld = true;
            return null;
          case "channelRead":
            decide(ctx, args[1]);
            return null;
          case "write":
            heldWrites.add(new Object[] {args[1], args[2]});
            return null;
          case "flush":
            heldFlush = true;
            return null;
          default:
            break;
        }
      }
      if (awaitingHandshake && name.equals("userEventTriggered") && args[1].getClass().getSimpleName().equals("SslHandshakeCompletionEvent")) {
        awaitingHandshake = false;
        handshakeDone(ctx, args[1]);
        netty.forward(ctx, name, args);
        netty.remove.invoke(netty.ctxPipeline.invoke(ctx), HANDLER);
        return null;
      }
      netty.forward(ctx, name, args);
      return null;
    }

    /**
     * The gRPC handler completed its (plaintext) negotiation before the first byte arrived: the TLS
     * session joins its transport attributes now, before the client's HTTP/2 preface is read.
     */
    private void handshakeDone(Object ctx, Object event) throws Exception {
      if (!Boolean.TRUE.equals(event.getClass().getMethod("isSuccess").invoke(event))) {
        Bridge.tlsRefused("server", "gRPC TLS handshake failed: " + event.getClass().getMethod("cause").invoke(event));
        return;
      }
      Object pipeline = netty.ctxPipeline.invoke(ctx);
      Object ssl = netty.getByName.invoke(pipeline, HANDLER + "-tls");
      javax.net.ssl.SSLSession session = ((SSLEngine) netty.engine.invoke(ssl)).getSession();
      for (Object handler : ((Map<?, ?>) netty.toMap.invoke(pipeline)).values()) {
        if (handler.getClass().getName().endsWith(".NettyServerHandler")) {
          for (String field : new String[] {"negotiationAttributes", "attributes"}) {
            Field f = handler.getClass().getDeclaredField(field);
            f.setAccessible(true);
            Object attrs = f.get(handler);
            if (attrs instanceof Attributes a) {
              f.set(handler, a.toBuilder().set(Grpc.TRANSPORT_ATTR_SSL_SESSION, session).build());
            }
          }
        }
      }
    }

    private void decide(Object ctx, Object msg) throws Exception {
      if ((int) netty.readableBytes.invoke(msg) == 0) {
        netty.release.invoke(null, msg);
        return;
      }
      decided = true;
      byte first = (byte) netty.getByte.invoke(msg, (int) netty.readerIndex.invoke(msg));
      Object pipeline = netty.ctxPipeline.invoke(ctx);
      boolean secure = first == 0x16;
      if (secure) {
        Object ssl = netty.newHandler.invoke(netty.serverContext(tls), netty.ctxAlloc.invoke(ctx));
        netty.addBefore.invoke(pipeline, netty.ctxName.invoke(ctx), HANDLER + "-tls", ssl);
      } else if (!Bridge.inboundPlaintextAllowed()) {
        Bridge.tlsRefused("server", "plaintext gRPC under PeerAuthentication STRICT");
        netty.release.invoke(null, msg);
        heldWrites.forEach(w -> release(w[0]));
        netty.ctxClose.invoke(ctx);
        return;
      }
      for (Object[] w : heldWrites) {
        netty.forward(ctx, "write", new Object[] {ctx, w[0], w[1]});
      }
      heldWrites.clear();
      if (heldFlush) {
        netty.forward(ctx, "flush", new Object[] {ctx});
      }
      if (activeHeld) {
        netty.forward(ctx, "channelActive", new Object[] {ctx});
      }
      if (secure) {
        awaitingHandshake = true; // stays, as a pass-through, until the handshake completes
        netty.pipelineFireRead.invoke(pipeline, msg); // from the wire side: through the SslHandler
      } else {
        netty.forward(ctx, "channelRead", new Object[] {ctx, msg});
        netty.remove.invoke(pipeline, HANDLER);
      }
    }

    private void release(Object msg) {
      try {
        netty.release.invoke(null, msg);
      } catch (ReflectiveOperationException e) {
        // nothing more to do
      }
    }
  }

  private static void close(Object channel) {
    try {
      invoke(channel, "close");
    } catch (Throwable ignored) {
      // already failing
    }
  }

  private static Object invoke(Object target, String name) throws Exception {
    return find(target.getClass(), name).invoke(target);
  }

  private static Method find(Class<?> type, String name) throws NoSuchMethodException {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      for (Method m : c.getDeclaredMethods()) {
        if (m.getName().equals(name) && m.getParameterCount() == 0) {
          m.setAccessible(true);
          return m;
        }
      }
    }
    for (Class<?> i : type.getInterfaces()) {
      try {
        return i.getMethod(name);
      } catch (NoSuchMethodException e) {
        // next
      }
    }
    throw new NoSuchMethodException(type.getName() + "." + name + "()");
  }

  private static Netty netty(Object channel) throws Exception {
    String name = channel.getClass().getName();
    int at = name.indexOf(".netty.channel.");
    String prefix = name.substring(0, at) + ".netty."; // io.netty. or io.grpc.netty.shaded.io.netty.
    ClassLoader loader = channel.getClass().getClassLoader();
    String key = prefix + "@" + System.identityHashCode(loader);
    Netty netty = NETTY.get(key);
    if (netty == null) {
      netty = new Netty(prefix, loader);
      NETTY.put(key, netty);
    }
    return netty;
  }

  /** The Netty members used here, for one flavour. */
  private static final class Netty {
    final Method pipeline;
    final Method ctxPipeline;
    final Method alloc;
    final Method close;
    final Method addFirst;
    final Method getByClass;
    final Method getByName;
    final Method toMap;
    final Method newHandler;
    final Method engine;
    final Method addBefore;
    final Method pipelineFireRead;
    final Class<?> outboundHandler;
    final Method remove;
    final Method ctxName;
    final Method ctxAlloc;
    final Method ctxClose;
    final Method readableBytes;
    final Method readerIndex;
    final Method getByte;
    final Method release;
    final Class<?> inboundHandler;
    private final Map<String, Method> fires = new ConcurrentHashMap<>();
    private final Class<?> ctxType;
    final Class<?> sslHandler;
    final Constructor<?> sslHandlerOf;
    final Constructor<?> jdkSslContext;
    final Object identityFilter;
    final Object clientAuthRequire;
    private final Map<SSLContext, Object> serverContexts = new ConcurrentHashMap<>();

    Netty(String p, ClassLoader loader) throws Exception {
      Class<?> channel = Class.forName(p + "channel.Channel", false, loader);
      Class<?> ctx = Class.forName(p + "channel.ChannelHandlerContext", false, loader);
      Class<?> pipelineType = Class.forName(p + "channel.ChannelPipeline", false, loader);
      Class<?> handler = Class.forName(p + "channel.ChannelHandler", false, loader);
      Class<?> allocator = Class.forName(p + "buffer.ByteBufAllocator", false, loader);
      Class<?> sslContext = Class.forName(p + "handler.ssl.SslContext", false, loader);
      Class<?> filter = Class.forName(p + "handler.ssl.CipherSuiteFilter", false, loader);
      Class<?> apn = Class.forName(p + "handler.ssl.ApplicationProtocolConfig", false, loader);
      Class<?> clientAuth = Class.forName(p + "handler.ssl.ClientAuth", false, loader);
      pipeline = channel.getMethod("pipeline");
      ctxPipeline = ctx.getMethod("pipeline");
      alloc = channel.getMethod("alloc");
      close = channel.getMethod("close");
      addFirst = pipelineType.getMethod("addFirst", String.class, handler);
      getByClass = pipelineType.getMethod("get", Class.class);
      getByName = pipelineType.getMethod("get", String.class);
      toMap = pipelineType.getMethod("toMap");
      newHandler = sslContext.getMethod("newHandler", allocator);
      sslHandler = Class.forName(p + "handler.ssl.SslHandler", false, loader);
      engine = sslHandler.getMethod("engine");
      addBefore = pipelineType.getMethod("addBefore", String.class, String.class, handler);
      pipelineFireRead = pipelineType.getMethod("fireChannelRead", Object.class);
      outboundHandler = Class.forName(p + "channel.ChannelOutboundHandler", false, loader);
      remove = pipelineType.getMethod("remove", String.class);
      ctxName = ctx.getMethod("name");
      ctxAlloc = ctx.getMethod("alloc");
      ctxClose = ctx.getMethod("close");
      Class<?> byteBuf = Class.forName(p + "buffer.ByteBuf", false, loader);
      readableBytes = byteBuf.getMethod("readableBytes");
      readerIndex = byteBuf.getMethod("readerIndex");
      getByte = byteBuf.getMethod("getByte", int.class);
      release = Class.forName(p + "util.ReferenceCountUtil", false, loader).getMethod("release", Object.class);
      inboundHandler = Class.forName(p + "channel.ChannelInboundHandler", false, loader);
      ctxType = ctx;
      sslHandlerOf = sslHandler.getConstructor(SSLEngine.class);
      jdkSslContext =
          Class.forName(p + "handler.ssl.JdkSslContext", false, loader)
              .getConstructor(SSLContext.class, boolean.class, Iterable.class, filter, apn, clientAuth, String[].class, boolean.class);
      identityFilter = Class.forName(p + "handler.ssl.IdentityCipherSuiteFilter", false, loader).getField("INSTANCE").get(null);
      clientAuthRequire = clientAuth.getField("REQUIRE").get(null);
    }

    private static final java.util.Set<String> OUTBOUND =
        java.util.Set.of("bind", "connect", "disconnect", "close", "deregister", "read", "write", "flush");

    /**
     * Passes an event on: inbound {@code channelRead(ctx, msg)} becomes {@code ctx.fireChannelRead(msg)},
     * outbound {@code write(ctx, msg, promise)} becomes {@code ctx.write(msg, promise)}.
     */
    void forward(Object ctx, String event, Object[] args) throws Exception {
      Method m = fires.get(event);
      if (m == null) {
        String fire = OUTBOUND.contains(event) ? event : "fire" + Character.toUpperCase(event.charAt(0)) + event.substring(1);
        for (Method candidate : ctxType.getMethods()) {
          if (candidate.getName().equals(fire) && candidate.getParameterCount() == args.length - 1) {
            m = candidate;
            break;
          }
        }
        if (m == null) {
          throw new NoSuchMethodException(fire);
        }
        fires.put(event, m);
      }
      m.invoke(ctx, java.util.Arrays.copyOfRange(args, 1, args.length));
    }

    /** Netty's view of the mesh server context: client certificate required, TLS 1.3 only. */
    Object serverContext(SSLContext tls) {
      return serverContexts.computeIfAbsent(
          tls,
          c -> {
            try {
              return jdkSslContext.newInstance(c, false, null, identityFilter, null, clientAuthRequire, new String[] {"TLSv1.3"}, false);
            } catch (ReflectiveOperationException e) {
              throw new IllegalStateException(e);
            }
          });
    }
  }
}
