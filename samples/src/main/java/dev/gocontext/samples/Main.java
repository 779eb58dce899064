package dev.gocontext.samples;

import dev.gocontext.samples.examples.Examples;
import java.util.Arrays;

/**
 * The entry point of the samples jar: {@code java -jar context-samples.jar [--server.port=N]}
 * starts the service; {@code java -jar context-samples.jar example NAME} runs one of the programs
 * of the guide, {@code docs/GUIDE.md} (without a name: lists them).
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("example")) {
            System.exit(Examples.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
        }
        SamplesApplication.main(args);
    }
}
