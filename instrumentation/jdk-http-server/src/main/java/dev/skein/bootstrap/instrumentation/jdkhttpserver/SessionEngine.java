package dev.skein.bootstrap.instrumentation.jdkhttpserver;

import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * Shows a mesh TLS connection's session where the JDK server looks for it: {@code HttpsExchange.getSSLSession()}
 * asks the connection's {@link SSLEngine}. The bytes flow through an {@link SSLSocket} layered over
 * the connection's socket, so this engine only answers questions about that socket.
 */
final class SessionEngine extends SSLEngine {
  private final SSLSocket socket;

  SessionEngine(SSLSocket socket) {
    this.socket = socket;
  }

  @Override
  public SSLSession getSession() {
    return socket.getSession();
  }

  @Override
  public SSLSession getHandshakeSession() {
    return socket.getHandshakeSession();
  }

  @Override
  public SSLEngineResult wrap(ByteBuffer[] srcs, int offset, int length, ByteBuffer dst) {
    throw new UnsupportedOperationException("the connection's SSLSocket carries the bytes");
  }

  @Override
  public SSLEngineResult unwrap(ByteBuffer src, ByteBuffer[] dsts, int offset, int length) {
    throw new UnsupportedOperationException("the connection's SSLSocket carries the bytes");
  }

  @Override
  public Runnable getDelegatedTask() {
    return null;
  }

  @Override
  public void closeInbound() {}

  @Override
  public boolean isInboundDone() {
    return socket.isInputShutdown() || socket.isClosed();
  }

  @Override
  public void closeOutbound() {}

  @Override
  public boolean isOutboundDone() {
    return socket.isOutputShutdown() || socket.isClosed();
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return socket.getSupportedCipherSuites();
  }

  @Override
  public String[] getEnabledCipherSuites() {
    return socket.getEnabledCipherSuites();
  }

  @Override
  public void setEnabledCipherSuites(String[] suites) {}

  @Override
  public String[] getSupportedProtocols() {
    return socket.getSupportedProtocols();
  }

  @Override
  public String[] getEnabledProtocols() {
    return socket.getEnabledProtocols();
  }

  @Override
  public void setEnabledProtocols(String[] protocols) {}

  @Override
  public void beginHandshake() {}

  @Override
  public SSLEngineResult.HandshakeStatus getHandshakeStatus() {
    return SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING;
  }

  @Override
  public void setUseClientMode(boolean mode) {}

  @Override
  public boolean getUseClientMode() {
    return false;
  }

  @Override
  public void setNeedClientAuth(boolean need) {}

  @Override
  public boolean getNeedClientAuth() {
    return socket.getNeedClientAuth();
  }

  @Override
  public void setWantClientAuth(boolean want) {}

  @Override
  public boolean getWantClientAuth() {
    return socket.getWantClientAuth();
  }

  @Override
  public void setEnableSessionCreation(boolean flag) {}

  @Override
  public boolean getEnableSessionCreation() {
    return socket.getEnableSessionCreation();
  }
}
