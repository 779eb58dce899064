package dev.gocontext.benchmarks.http;

/**
 * The command line of the servers that {@code run.sh http} loads: {@code plain|ours PORT}. The two
 * variants differ only in gocontext's adapter; everything else (host, port binding, handler, JVM
 * options) is the same.
 *
 * @param ours true for the variant wrapped by gocontext's adapter
 * @param port the loopback port to bind
 */
record HelloServerArgs(boolean ours, int port) {
    /** The body every variant answers to {@code GET /hello}. */
    static final String BODY = "hello\n";

    static final String HOST = "127.0.0.1";

    /** Parses {@code plain|ours PORT}; a bad command line exits with status 2 and a message naming it. */
    static HelloServerArgs parse(String main, String[] args) {
        if (args.length != 2 || !(args[0].equals("plain") || args[0].equals("ours"))) {
            return usage(main, "expected plain|ours PORT, got " + String.join(" ", args));
        }
        int port;
        try {
            port = Integer.parseInt(args[1]);
        } catch (NumberFormatException e) {
            return usage(main, "PORT is not a number: " + args[1]);
        }
        if (port < 1 || port > 65535) {
            return usage(main, "PORT out of range 1..65535: " + port);
        }
        return new HelloServerArgs(args[0].equals("ours"), port);
    }

    String variant() {
        return ours ? "ours" : "plain";
    }

    private static HelloServerArgs usage(String main, String problem) {
        System.err.println("usage: " + main + " plain|ours PORT (" + problem + ")");
        System.exit(2);
        throw new AssertionError("unreachable");
    }
}
