package org.lockey.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The registry of sub-commands, in the sections of the command tour. One scheme: {@code AREA ACTION} (noun, then
 * verb) where an area has several commands ({@code keys issue}, {@code train vocoder}, {@code eval table2}), one word
 * for the few that stand alone ({@code demo}, {@code generate}, {@code trace}, {@code vocode}, {@code inspect}).
 */
public final class Commands {
    /** A titled group of the command tour: what a user wants to do. */
    public record Section(String title, List<Command> commands) {
        public Section {
            commands = List.copyOf(commands);
        }
    }

    private static final List<Section> SECTIONS = List.of(
            new Section("Try it", List.of(
                    new DemoCommand())),
            new Section("Provide a keyed model: keys, generation, tracing", List.of(
                    new KeysCommands.Init(),
                    new KeysCommands.Issue(),
                    new KeysCommands.Revoke(),
                    new KeysCommands.List(),
                    new LockeyCommands.Generate(),
                    new LockeyCommands.Trace())),
            new Section("Train", List.of(
                    new TrainVocoderCommand(),
                    new TrainCodecCommand(),
                    new TrainCodecDecoderCommand(),
                    new WatermarkCommands.Train(),
                    new LockeyCommands.Finetune())),
            new Section("Evaluate: the paper's tables and figures, and more", List.of(
                    new EvalCommands.Table1Command(),
                    new EvalCommands.Table2Command(),
                    new WatermarkCommands.Eval(),
                    new EvalCommands.ProbeCommand(),
                    new EvalCommands.AttackCommand(),
                    new EvalCommands.KeySizeCommand(),
                    new EvalCommands.KeyCapacityCommand(),
                    new EvalCommands.DetectionCommand(),
                    new EvalCommands.ResynthesisCommand(),
                    new EvalCommands.QualityCommand(),
                    new EvalCommands.CodecsCommand(),
                    new EvalCommands.SdrCommand())),
            new Section("Models and audio: import, inspect, run the parts", List.of(
                    new HifiGanCommands.Import(),
                    new EncodecCommands.Import(),
                    new WatermarkCommands.Import(),
                    new InspectCommand(),
                    new HifiGanCommands.Vocode(),
                    new EncodecCommands.Encode(),
                    new EncodecCommands.Decode(),
                    new WatermarkCommands.Embed(),
                    new WatermarkCommands.Detect())),
            new Section("Speed", List.of(
                    new BenchCommand(),
                    new HifiGanCommands.Bench(),
                    new EncodecCommands.Bench(),
                    new WatermarkCommands.Bench())),
            new Section("Data and checks", List.of(
                    new DataReferenceCommand(),
                    new GoldenVerifyCommand())));

    private static final List<Command> ALL = SECTIONS.stream().flatMap(s -> s.commands().stream()).toList();

    private Commands() {
    }

    /** Every command, in tour order. */
    public static List<Command> all() {
        return ALL;
    }

    /** The command tour's sections, in order. */
    public static List<Section> sections() {
        return SECTIONS;
    }

    /**
     * A matched command, the arguments after its name, and the name as typed: the command's name or one of its
     * {@link Command#formerNames}.
     */
    public record Match(Command command, List<String> rest, String typed) {
        /** Whether the command was called by a former name. */
        public boolean byFormerName() {
            return !typed.equals(command.name());
        }
    }

    /** The command whose name (or former name) is the longest prefix of {@code args}, or null. */
    public static Match match(List<String> args) {
        Match best = null;
        int bestLen = 0;
        for (Command c : ALL) {
            List<String> spellings = new ArrayList<>();
            spellings.add(c.name());
            spellings.addAll(c.formerNames());
            for (String spelling : spellings) {
                String[] words = spelling.split(" ");
                if (words.length <= args.size() && words.length > bestLen
                        && args.subList(0, words.length).equals(List.of(words))) {
                    best = new Match(c, new ArrayList<>(args.subList(words.length, args.size())), spelling);
                    bestLen = words.length;
                }
            }
        }
        return best;
    }

    /** The commands whose first word is {@code word} (for "choose a sub-command" messages). */
    public static List<Command> group(String word) {
        return ALL.stream().filter(c -> c.name().split(" ")[0].equals(word)).toList();
    }
}
