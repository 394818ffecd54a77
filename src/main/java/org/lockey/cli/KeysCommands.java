package org.lockey.cli;

import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.lockey.LockeyException;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyRegistry;

/** {@code keys init}, {@code keys issue}, {@code keys list}: the provider's key registry. */
final class KeysCommands {
    private KeysCommands() {
    }

    static Option registry(boolean required) {
        return Option.builder().longOpt("registry").hasArg().argName("FILE").required(required)
                .desc("key registry JSON (a secret: owner-only)").build();
    }

    /** {@code ./lockey keys init}. */
    static final class Init implements Command {
        @Override
        public String name() {
            return "keys init";
        }

        @Override
        public String summary() {
            return "create a key registry: draw the valid keys from the 2^K key space";
        }

        @Override
        public Options options() {
            return new Options()
                    .addOption(Option.builder().longOpt("bits").hasArg().argName("K").desc("key size (default 16)")
                            .build())
                    .addOption(Option.builder().longOpt("valid").hasArg().argName("V")
                            .desc("number of valid keys (default 655)").build())
                    .addOption(Option.builder().longOpt("seed").hasArg().argName("S").required()
                            .desc("seed of the draw (required: the valid set must be reproducible)").build())
                    .addOption(Option.builder().longOpt("model-id").hasArg().argName("ID")
                            .desc("name of the model the keys belong to (default lockey)").build())
                    .addOption(Option.builder().longOpt("out").hasArg().argName("FILE").required()
                            .desc("registry file to write").build())
                    .addOption(Option.builder().longOpt("force").desc("overwrite an existing registry").build());
        }

        @Override
        public int run(CommandLine cl) {
            Path out = Path.of(cl.getOptionValue("out"));
            if (Files.exists(out) && !cl.hasOption("force")) {
                throw new LockeyException(out + ": exists; a registry holds issued keys, use --force to replace it");
            }
            int bits = Options2.intValue(cl, "bits", 16);
            int valid = Options2.intValue(cl, "valid", 655);
            long seed = Options2.longValue(cl, "seed", 0);
            KeyRegistry r = KeyRegistry.create(cl.getOptionValue("model-id", "lockey"), bits, valid, seed);
            r.save(out);
            System.out.printf("%s: %d valid keys of %d bits (seed %d), none issued%n", out, valid, bits, seed);
            return OK;
        }
    }

    /** {@code ./lockey keys issue}. */
    static final class Issue implements Command {
        @Override
        public String name() {
            return "keys issue";
        }

        @Override
        public String summary() {
            return "issue the next valid key to a user and print it (once)";
        }

        @Override
        public Options options() {
            return new Options().addOption(registry(true))
                    .addOption(Option.builder().longOpt("user").hasArg().argName("ID").required().desc("user id")
                            .build());
        }

        @Override
        public int run(CommandLine cl) {
            Path path = Path.of(cl.getOptionValue("registry"));
            KeyRegistry r = KeyRegistry.load(path);
            Key k = r.issue(cl.getOptionValue("user"));
            r.save(path);
            System.out.println(k.toHex());
            return OK;
        }
    }

    /** {@code ./lockey keys list}. */
    static final class List implements Command {
        @Override
        public String name() {
            return "keys list";
        }

        @Override
        public String summary() {
            return "list the users holding keys (keys only with --show-keys)";
        }

        @Override
        public Options options() {
            return new Options().addOption(registry(true))
                    .addOption(Option.builder().longOpt("show-keys").desc("also print each user's key").build());
        }

        @Override
        public int run(CommandLine cl) {
            KeyRegistry r = KeyRegistry.load(Path.of(cl.getOptionValue("registry")));
            System.out.printf("model %s: %d-bit keys, %d valid, %d issued%n", r.modelId(), r.bits(),
                    r.validKeys().size(), r.issued().size());
            for (KeyRegistry.Issued i : r.issued().values()) {
                System.out.println(cl.hasOption("show-keys") ? i.user() + "\t" + i.key().toHex() + "\t" + i.issuedAt()
                        : i.user() + "\t" + i.issuedAt());
            }
            return OK;
        }
    }
}
