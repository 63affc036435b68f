package io.mosn4j.api.feature;

/**
 * A switch turned on or off at start ({@code mosn start -f "name=true,other=false"}), MOSN's
 * feature gate. Registered under {@code META-INF/services/io.mosn4j.api.feature.Feature}.
 */
public interface Feature {
    /** The name used on the command line. */
    String name();

    boolean enabledByDefault();

    /** What the switch does, for {@code mosn start --help}-style listings and logs. */
    String description();
}
