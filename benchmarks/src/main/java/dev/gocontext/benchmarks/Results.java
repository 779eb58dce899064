package dev.gocontext.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/** What the plain mains share: result lines for {@code report.py}, and heap measurement. */
final class Results {
    private Results() {}

    /** Prints {@code RESULT <name> <value> <unit>}, the line format {@code report.py} reads. */
    static void print(String name, double value, String unit) {
        System.out.printf(Locale.ROOT, "RESULT %s %.3f %s%n", name, value, unit);
    }

    /** Heap in use after full collections: what is reachable, not what is garbage. */
    static long usedHeapAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(
                    used,
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** The median of {@code values} (sorts them). */
    static long median(long[] values) {
        java.util.Arrays.sort(values);
        return values[values.length / 2];
    }

    /** Fails the run loudly: a main that measured the wrong thing must not print a number. */
    static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
