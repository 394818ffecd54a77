package org.lockey.golden;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The one place where golden components are registered. Each component issue adds its line here;
 * ids the golden format knows but that are not registered yet report "not implemented yet". The
 * adapters live in this package, so the checked code never depends on the checker: the component
 * {@code family.some_name} is the class {@code FamilySomeNameComponent} (e.g. {@code encodec.rvq_decode}
 * is {@link EncodecRvqDecodeComponent}); what several components of a family share is in
 * {@code FamilyCases}.
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
        register(new LockeyLossesComponent());
        register(new LockeyKeyEncoderComponent());
        register(new LockeyVerifierComponent());
        register(new LockeyKeyedHifiGanComponent());
        register(new HifiGanGeneratorComponent());
        register(new SilentCipherEmbedComponent());
        register(new SilentCipherDecodeComponent());
        register(new EncodecSeanetDecoderComponent());
        register(new EncodecSeanetEncoderComponent());
        register(new EncodecRvqDecodeComponent());
        register(new EncodecRvqEncodeComponent());
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
