package io.mosn4j.api.protocol;

import io.mosn4j.api.config.ConfigValue;

/**
 * A kind of {@link Transcoder}, by the type name MOSN's {@code transcoder} stream filter uses
 * ({@code "http2bolt_simple"}). Registered for {@link java.util.ServiceLoader} under
 * {@code META-INF/services/io.mosn4j.api.protocol.TranscoderFactory}, usually by the module of the
 * protocol it converts to (it builds that protocol's frames).
 */
public interface TranscoderFactory {
    /** The type configs name. */
    String name();

    /**
     * Other names for the same conversion: MOSN derives a rule's type from the client's protocol and
     * the rule's {@code upstream_protocol} ({@code "Http1_bolt"}).
     */
    default java.util.Set<String> aliases() {
        return java.util.Set.of();
    }

    /**
     * Parses {@code config} (a rule's {@code rule_info.config}; missing for the {@code type}
     * shorthand) once, at load; throws {@link io.mosn4j.api.config.ConfigException} naming the bad field.
     */
    Transcoder create(ConfigValue config);
}
