package org.lockey.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.lockey.LockeyException;
import org.lockey.io.SafeTensors;
import org.lockey.io.Tensor;

/** {@code ./lockey inspect FILE.safetensors}: list a checkpoint's tensors and metadata. */
final class InspectCommand implements Command {
    @Override
    public String name() {
        return "inspect";
    }

    @Override
    public String summary() {
        return "list the tensors (name, dtype, shape) and metadata of a safetensors file";
    }

    @Override
    public String arguments() {
        return "FILE.safetensors...";
    }

    @Override
    public Options options() {
        return new Options().addOption(Option.builder().longOpt("metadata").desc("print the metadata values in full")
                .build());
    }

    @Override
    public int run(CommandLine cl) {
        if (cl.getArgList().isEmpty()) {
            throw new LockeyException("give one or more safetensors files");
        }
        for (String a : cl.getArgList()) {
            SafeTensors st = SafeTensors.read(Path.of(a));
            long params = 0;
            System.out.println(a + ":");
            for (Tensor t : st.tensors().values()) {
                System.out.printf("  %-56s %-5s %s%n", t.name(), t.dtype(), Arrays.toString(t.shape()));
                params += t.numel();
            }
            System.out.printf("  %d tensors, %,d elements%n", st.tensors().size(), params);
            for (Map.Entry<String, String> m : st.metadata().entrySet()) {
                String v = m.getValue();
                if (!cl.hasOption("metadata") && v.length() > 100) {
                    v = v.substring(0, 97) + "...";
                }
                System.out.printf("  meta %-16s %s%n", m.getKey(), v);
            }
        }
        return OK;
    }
}
