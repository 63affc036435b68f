package io.mosn4j.filter.jwtauthn;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.stats.Stats;

/**
 * MOSN's {@code jwt_authn} (Envoy's {@code envoy.filters.http.jwt_authn}): verifies the JSON Web
 * Tokens requests carry against configured providers (issuer, audiences, local or remote JWKS),
 * by path rules, before routing; see {@link JwtAuthnConfig}. Counts, as Envoy with the listener's
 * name for the stat prefix, {@code http.LISTENER.jwt_authn.allowed}, {@code .denied},
 * {@code .cors_preflight_bypassed}, {@code .jwks_fetch_success} and {@code .jwks_fetch_failed}.
 */
public final class JwtAuthnFilterFactory implements StreamFilterFactory {

    @Override
    public String name() {
        return "jwt_authn";
    }

    @Override
    public Creator create(ConfigValue config) {
        return create(config, Stats.NONE, "");
    }

    @Override
    public Creator create(ConfigValue config, Context context) {
        return create(config, context.stats(), "http." + context.listenerName() + ".");
    }

    private static Creator create(ConfigValue config, Stats stats, String prefix) {
        JwtAuthnConfig parsed = JwtAuthnConfig.parse(config, stats, prefix + "jwt_authn.");
        JwtAuthnFilter.Counters counters = new JwtAuthnFilter.Counters(stats.counter(prefix + "jwt_authn.allowed"),
                stats.counter(prefix + "jwt_authn.denied"), stats.counter(prefix + "jwt_authn.cors_preflight_bypassed"));
        return chain -> chain.addReceiverFilter(new JwtAuthnFilter(parsed, counters), ReceiverPhase.BEFORE_ROUTE);
    }
}
