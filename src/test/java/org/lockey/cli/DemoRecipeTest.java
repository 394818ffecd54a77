package org.lockey.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.cli.DefaultParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lockey.LockeyException;

/** The recipe of the shipped models: it parses, the README lists it, and running it skips, ships and fails as documented. */
class DemoRecipeTest {
    @TempDir
    Path tmp;

    @Test
    void everyStepIsACommandLineItsCommandAccepts() throws Exception {
        for (DemoRecipe.Step s : DemoRecipe.ALL) {
            List<String> args = s.resolved(Path.of("r"), Path.of("m"));
            Commands.Match m = Commands.match(args);
            assertNotNull(m, s.title() + ": no such command " + args);
            new DefaultParser().parse(m.command().options(), m.rest().toArray(new String[0]));
            if (s.product() != null) {
                assertTrue(s.runDir(Path.of("r"), Path.of("m")).startsWith("r"), s.title() + ": trains outside RUNS");
                assertTrue(Path.of("r").resolve(s.product()).startsWith(s.runDir(Path.of("r"), Path.of("m"))),
                        s.title() + ": product outside its run directory");
            }
        }
    }

    @Test
    void laterStepsReadOnlyWhatEarlierStepsShip() {
        List<String> shipped = new ArrayList<>();
        for (DemoRecipe.Step s : DemoRecipe.ALL) {
            List<String> args = s.resolved(Path.of("r"), Path.of("m"));
            for (int i = 0; i + 1 < args.size(); i++) {
                if (List.of("--base", "--watermark", "--registry", "--init").contains(args.get(i))) {
                    String input = Path.of("m").relativize(Path.of(args.get(i + 1))).toString();
                    assertTrue(shipped.contains(input), s.title() + " reads " + args.get(i + 1) + " before it is shipped");
                    assertTrue(args.get(i + 1).startsWith("m"), s.title() + " reads from a run directory");
                }
            }
            shipped.add(s.shipAs());
        }
    }

    @Test
    void theModelsReadmeListsExactlyTheRecipe() throws Exception {
        String readme = Files.readString(Path.of("reference-data/models/README.md"));
        for (DemoRecipe.Step s : DemoRecipe.ALL) {
            String line = DemoRecipe.commandLine(s, "runs", "reference-data/models");
            assertTrue(readme.contains(line), "reference-data/models/README.md lacks: " + line);
        }
    }

    @Test
    void shipCopiesTheModelWithoutCheckpointsAndLeavesNoTemporary() throws Exception {
        Path run = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(run.resolve("model.safetensors"), "weights");
        Files.writeString(run.resolve("config.json"), "{}");
        Files.writeString(run.resolve("checkpoint.safetensors"), "optimiser state");
        Files.writeString(run.resolve(".lock"), "1234\n");
        Files.writeString(Files.createDirectories(run.resolve("watermark")).resolve("model.safetensors"), "wm weights");
        Path to = tmp.resolve("models/wm");
        Files.createDirectories(to.getParent());
        DemoRecipe.ship(run, to);
        assertEquals("weights", Files.readString(to.resolve("model.safetensors")));
        assertTrue(Files.exists(to.resolve("config.json")));
        assertFalse(Files.exists(to.resolve("checkpoint.safetensors")));
        assertFalse(Files.exists(to.resolve(".lock")), "the run directory's lock is not part of the model");
        assertEquals("wm weights", Files.readString(to.resolve("watermark/model.safetensors")),
                "a keyed model's watermark subdirectory is shipped with it");
        assertFalse(Files.exists(tmp.resolve("models/wm.tmp")));
    }

    @Test
    void aShippedStepIsSkippedAndAFailingStepNamesItself() throws Exception {
        Path models = Files.createDirectories(tmp.resolve("models"));
        Files.writeString(models.resolve("done.json"), "{}");
        DemoRecipe.Step done = new DemoRecipe.Step("already built", List.of("no-such-command"), null, "done.json");
        List<String> log = new ArrayList<>();
        assertEquals(List.of(), DemoRecipe.run(List.of(done), tmp.resolve("runs"), models, log::add));
        assertTrue(log.get(0).contains("skipped"), log.toString());

        DemoRecipe.Step failing = new DemoRecipe.Step("a broken step", List.of("keys", "init", "--bits", "16"), null,
                "registry.json");
        LockeyException e = assertThrows(LockeyException.class,
                () -> DemoRecipe.run(List.of(failing), tmp.resolve("runs"), models, log::add));
        assertTrue(e.getMessage().contains("a broken step"), e.getMessage());
    }

    @Test
    void aKeyRegistryStepWritesStraightIntoTheModels() throws Exception {
        Path models = tmp.resolve("models");
        DemoRecipe.Step keys = DemoRecipe.HIFIGAN.get(0);
        DemoRecipe.run(List.of(keys), tmp.resolve("runs"), models, s -> { });
        assertTrue(Files.readString(models.resolve(keys.shipAs())).contains("\"seed\" : 2024"));
    }
}
