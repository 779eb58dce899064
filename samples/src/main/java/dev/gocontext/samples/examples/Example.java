package dev.gocontext.samples.examples;

import java.io.PrintStream;

/**
 * One runnable program of the guide ({@code docs/GUIDE.md}): it prints what it shows to {@code out}
 * and leaves nothing running when it returns.
 */
@FunctionalInterface
interface Example {
    void run(PrintStream out) throws Exception;
}
