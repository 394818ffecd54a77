package org.lockey.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

/**
 * The golden adapters follow one naming scheme in one package ({@link Components}): component
 * {@code family.some_name} is {@code org.lockey.golden.FamilySomeNameComponent}, compared case-insensitively
 * so that {@code hifigan.generator} may be spelt {@code HifiGanGeneratorComponent}.
 */
class ComponentsTest {
    @Test
    void everyRegisteredComponentIsNamedAfterItsId() {
        List<String> wrong = new ArrayList<>();
        for (String id : Components.implemented()) {
            Class<?> c = Components.find(id).orElseThrow().getClass();
            String want = id.replace(".", "").replace("_", "") + "component";
            if (!c.getPackageName().equals("org.lockey.golden") || c.getEnclosingClass() != null
                    || !c.getSimpleName().toLowerCase(Locale.ROOT).equals(want)) {
                wrong.add(id + " -> " + c.getName());
            }
        }
        assertEquals(List.of(), wrong, "components not named org.lockey.golden.<Family><Name>Component");
    }
}
