package dev.skein.it.apps;

import java.lang.management.ManagementFactory;

/** This process's CPU time, for CPU-per-request figures. */
final class ProcessCpu {
  private ProcessCpu() {}

  static long nanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }
}
