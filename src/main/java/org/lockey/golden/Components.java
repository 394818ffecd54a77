package org.lockey.golden;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The one place where golden components are registered. Each component issue adds its line here;
 * ids the golden format knows but that are not registered yet report "not implemented yet".
 */
public final class Components {
    /** Every component id the golden format defines (golden/README.md). */
    public static final Set<String> KNOWN = Set.of(
            "hifigan.mel", "hifigan.generator",
            "encodec.seanet_decoder", "encodec.seanet_encoder", "encodec.rvq_decode", "encodec.rvq_encode",
            "silentcipher.embed", "silentcipher.decode",
            "lockey.key_encoder", "lockey.verifier", "lockey.keyed_hifigan", "lockey.losses");

    private static final Map<String, Component> REGISTRY = new LinkedHashMap<>();

    static {
        // Register implemented components here, one line each.
        register(new HifiGanMelComponent());
        register(new org.lockey.train.LossGolden());
        register(new org.lockey.model.lockey.KeyGolden.Encoder());
        register(new org.lockey.model.lockey.KeyGolden.Verifier());
        register(new org.lockey.model.lockey.KeyedHifiGanGolden());
        register(new org.lockey.model.hifigan.HifiGanGeneratorComponent());
        register(new org.lockey.model.silentcipher.SilentCipherComponents.Embed());
        register(new org.lockey.model.silentcipher.SilentCipherComponents.Decode());
        register(new org.lockey.model.encodec.EncodecGolden.SeanetDecoderCase());
        register(new org.lockey.model.encodec.EncodecGolden.SeanetEncoderCase());
        register(new org.lockey.model.encodec.EncodecGolden.RvqDecodeCase());
        register(new org.lockey.model.encodec.EncodecGolden.RvqEncodeCase());
    }

    private Components() {
    }

    private static void register(Component c) {
        if (!KNOWN.contains(c.id())) {
            throw new IllegalStateException("unknown golden component " + c.id());
        }
        REGISTRY.put(c.id(), c);
    }

    /** The implementation of a component id, if there is one. */
    public static Optional<Component> find(String id) {
        return Optional.ofNullable(REGISTRY.get(id));
    }

    /** Ids with an implementation. */
    public static Set<String> implemented() {
        return REGISTRY.keySet();
    }
}
