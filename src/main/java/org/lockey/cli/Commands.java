package org.lockey.cli;

import java.util.ArrayList;
import java.util.List;

/** The registry of sub-commands: each command issue adds its line to {@link #ALL}. */
public final class Commands {
    private static final List<Command> ALL = List.of(
            new DemoCommand(),
            new DataReferenceCommand(),
            new GoldenVerifyCommand(),
            new InspectCommand(),
            new KeysCommands.Init(),
            new KeysCommands.Issue(),
            new KeysCommands.Revoke(),
            new KeysCommands.List(),
            new HifiGanCommands.Import(),
            new HifiGanCommands.Vocode(),
            new BenchCommand(),
            new HifiGanCommands.Bench(),
            new EncodecCommands.Import(),
            new EncodecCommands.Encode(),
            new EncodecCommands.Decode(),
            new EncodecCommands.Bench(),
            new WatermarkCommands.Train(),
            new WatermarkCommands.Import(),
            new WatermarkCommands.Embed(),
            new WatermarkCommands.Detect(),
            new WatermarkCommands.Eval(),
            new WatermarkCommands.Bench(),
            new LockeyCommands.Finetune(),
            new LockeyCommands.Generate(),
            new LockeyCommands.Trace(),
            new EvalCommands.SdrCommand(),
            new EvalCommands.Table1Command(),
            new EvalCommands.Table2Command(),
            new EvalCommands.CodecsCommand(),
            new EvalCommands.ProbeCommand(),
            new EvalCommands.AttackCommand(),
            new EvalCommands.KeyCapacityCommand(),
            new EvalCommands.KeySizeCommand(),
            new EvalCommands.DetectionCommand(),
            new EvalCommands.ResynthesisCommand(),
            new TrainVocoderCommand(),
            new TrainCodecDecoderCommand(),
            new TrainCodecCommand());

    private Commands() {
    }

    /** Every command, in tour order. */
    public static List<Command> all() {
        return ALL;
    }

    /** A matched command and the arguments after its name. */
    public record Match(Command command, List<String> rest) {
    }

    /** The command whose name is the longest prefix of {@code args}, or null. */
    public static Match match(List<String> args) {
        Match best = null;
        int bestLen = 0;
        for (Command c : ALL) {
            String[] words = c.name().split(" ");
            if (words.length <= args.size() && words.length > bestLen
                    && args.subList(0, words.length).equals(List.of(words))) {
                best = new Match(c, new ArrayList<>(args.subList(words.length, args.size())));
                bestLen = words.length;
            }
        }
        return best;
    }

    /** The commands whose first word is {@code word} (for "choose a sub-command" messages). */
    public static List<Command> group(String word) {
        return ALL.stream().filter(c -> c.name().split(" ")[0].equals(word)).toList();
    }
}
