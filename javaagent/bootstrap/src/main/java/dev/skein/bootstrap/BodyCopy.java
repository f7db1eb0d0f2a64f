package dev.skein.bootstrap;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A copy of a request body taken as it goes out, for clients that can produce a body only once
 * (a send callback, a one-shot producer): a retry sends the copy. At most
 * {@link MeshCall#MAX_REPLAY_BYTES}; past that, or once {@link #giveUp given up}, it holds nothing
 * and the body is not replayed.
 */
public final class BodyCopy {
  private byte[] bytes = new byte[256];
  private int size;
  private volatile boolean over;

  /** Copies the source's remaining bytes, leaving its position where it was. */
  public synchronized void add(ByteBuffer source) {
    int count = source.remaining();
    if (over || count == 0) {
      return;
    }
    if ((long) size + count > MeshCall.MAX_REPLAY_BYTES) {
      giveUp();
      return;
    }
    if (size + count > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(size + count, bytes.length * 2));
    }
    source.get(source.position(), bytes, size, count);
    size += count;
  }

  /** The body will not be replayed (over the bound, or nothing could watch it). */
  public void giveUp() {
    over = true;
    bytes = null;
  }

  /** Whether the copy was given up. */
  public boolean over() {
    return over;
  }

  /** The body's length so far, for the retry decision ({@link MeshCall#body}): past the bound once given up. */
  public long length() {
    return over ? MeshCall.MAX_REPLAY_BYTES + 1 : size;
  }

  /** Bytes copied. */
  public int size() {
    return size;
  }

  /** The copy: {@link #size} bytes from the start (null once given up). */
  public byte[] bytes() {
    return bytes;
  }
}
