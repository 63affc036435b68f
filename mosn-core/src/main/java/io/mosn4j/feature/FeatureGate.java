package io.mosn4j.feature;

import io.mosn4j.api.feature.Feature;
import io.mosn4j.config.Registry;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * MOSN's feature gate: the switches {@code mosn start -f "name=true,other=false"} turns on or off.
 * The features are the {@link Feature}s on the class path; an unknown name, or a value that is not
 * a boolean, refuses the start. Immutable once built.
 */
public final class FeatureGate {
    private final Registry<Feature> features;
    private final Map<String, Boolean> state = new HashMap<>();

    private FeatureGate(Registry<Feature> features) {
        this.features = features;
        for (Feature f : features.all()) {
            state.put(f.name(), f.enabledByDefault());
        }
    }

    public static FeatureGate load(ClassLoader loader) {
        return new FeatureGate(Registry.load("feature", Feature.class, loader, Feature::name, false));
    }

    /**
     * The gate with {@code spec} ({@code name=bool,name=bool}, as MOSN's {@code --feature-gates}
     * takes it) applied over the defaults.
     *
     * @throws IllegalArgumentException naming what is wrong: an unknown feature, a bad value
     */
    public FeatureGate with(String spec) {
        FeatureGate g = new FeatureGate(features);
        g.state.putAll(state);
        if (spec == null || spec.isBlank()) {
            return g;
        }
        for (String item : spec.split(",")) {
            String s = item.trim();
            if (s.isEmpty()) {
                continue;
            }
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("feature gate \"" + s + "\": expected name=true or name=false");
            }
            String name = s.substring(0, eq).trim();
            String value = s.substring(eq + 1).trim().toLowerCase(Locale.ROOT);
            if (features.get(name) == null) {
                throw new IllegalArgumentException("unknown feature \"" + name + "\" (known: " + features.names() + ")");
            }
            if (!value.equals("true") && !value.equals("false")) {
                throw new IllegalArgumentException("feature \"" + name + "\": \"" + s.substring(eq + 1).trim() + "\" is not true or false");
            }
            g.state.put(name, Boolean.parseBoolean(value));
        }
        return g;
    }

    public boolean enabled(String name) {
        return state.getOrDefault(name, false);
    }

    /** Every feature with its state, for logs and the admin API. */
    public Map<String, Boolean> states() {
        return Map.copyOf(state);
    }
}
