package org.lockey.cli;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.lockey.model.lockey.Key;
import org.lockey.model.lockey.KeyRegistry;

/**
 * {@code keys init}, {@code keys issue}, {@code keys revoke}, {@code keys list}: the provider's key
 * registry. Every command that changes the registry does it through {@link KeyRegistry#update} (or
 * {@link KeyRegistry#saveNew}): under the registry's exclusive file lock, so that any number of them may
 * run at once on one registry.
 */
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
            int bits = Options2.intValue(cl, "bits", 16);
            int valid = Options2.intValue(cl, "valid", 655);
            long seed = Options2.longValue(cl, "seed", 0);
            KeyRegistry r = KeyRegistry.create(cl.getOptionValue("model-id", "lockey"), bits, valid, seed);
            if (cl.hasOption("force")) {
                r.save(out);
            } else {
                r.saveNew(out);
            }
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
        public String details() {
            return "\nSafe to run in parallel on one registry: each issue holds the registry's lock (FILE.lock) while"
                    + " it reads, changes and rewrites FILE. A key is issued once, to one user; a revoked key is never"
                    + " issued again.";
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
            String user = cl.getOptionValue("user");
            Key k = KeyRegistry.update(path, r -> r.issue(user));
            System.out.println(k.toHex());
            return OK;
        }
    }

    /** {@code ./lockey keys revoke}. */
    static final class Revoke implements Command {
        @Override
        public String name() {
            return "keys revoke";
        }

        @Override
        public String summary() {
            return "revoke a user's key (it leaked): trace reports its clips as revoked, it is never issued again";
        }

        @Override
        public String details() {
            return "\nThe user's record stays in the registry with the time of revocation (ISO-8601 UTC), so trace"
                    + " still names the user, as \"revoked: USER\", and keys list shows it. Revoking a revoked key keeps"
                    + " the first time. A user whose key was revoked gets no second key under the same id. An unknown"
                    + " user is an error (exit 2).";
        }

        @Override
        public Options options() {
            return new Options().addOption(registry(true))
                    .addOption(Option.builder().longOpt("user").hasArg().argName("ID").required()
                            .desc("user whose key is revoked").build());
        }

        /** What a revocation did: the user's record after it, and whether it was revoked already. */
        private record Outcome(KeyRegistry.Issued record, boolean alreadyRevoked) {
        }

        @Override
        public int run(CommandLine cl) {
            Path path = Path.of(cl.getOptionValue("registry"));
            String user = cl.getOptionValue("user");
            Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            Outcome o = KeyRegistry.update(path, r -> {
                boolean before = r.issued().containsKey(user) && r.issued().get(user).isRevoked();
                return new Outcome(r.revoke(user, now), before);
            });
            System.out.printf("%s: the key of user %s %s revoked at %s%n", path, user,
                    o.alreadyRevoked() ? "was already" : "is", o.record().revokedAt().orElseThrow());
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
            return "list the users holding keys, with issue and revocation times (keys only with --show-keys)";
        }

        @Override
        public Options options() {
            return new Options().addOption(registry(true))
                    .addOption(Option.builder().longOpt("show-keys").desc("also print each user's key").build());
        }

        @Override
        public int run(CommandLine cl) {
            KeyRegistry r = KeyRegistry.load(Path.of(cl.getOptionValue("registry")));
            long revoked = r.issued().values().stream().filter(KeyRegistry.Issued::isRevoked).count();
            System.out.printf("model %s: %d-bit keys, %d valid, %d issued, %d revoked%n", r.modelId(), r.bits(),
                    r.validKeys().size(), r.issued().size(), revoked);
            for (KeyRegistry.Issued i : r.issued().values()) {
                StringBuilder line = new StringBuilder(i.user());
                if (cl.hasOption("show-keys")) {
                    line.append('\t').append(i.key().toHex());
                }
                line.append('\t').append(i.issuedAt());
                i.revokedAt().ifPresent(at -> line.append("\trevoked ").append(at));
                System.out.println(line);
            }
            return OK;
        }
    }
}
