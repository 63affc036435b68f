package io.mosn4j.filter.jwtauthn;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.stats.Stats;

/**
 * MOSN's {@code jwt_authn} (Envoy's {@code envoy.filters.http.jwt_authn}): verifies the JSON Web
 * Tokens requests carry against configured providers (issuer, audiences, local or remote JWKS),
 * by path rules, before routing; see {@link JwtAuthnConfig}. Counts {@code jwt_authn.allowed},
 * {@code jwt_authn.denied}, {@code jwt_authn.cors_preflight_bypassed},
 * {@code jwt_authn.jwks_fetch_success} and {@code jwt_authn.jwks_fetch_failed}.
 */
public final class JwtAuthnFilterFactory implements StreamFilterFactory {

    @Override
    public String name() {
        return "jwt_authn";
    }

    @Override
    public Creator create(ConfigValue config) {
        return create(config, Stats.NONE);
    }

    @Override
    public Creator create(ConfigValue config, Context context) {
        return create(config, context.stats());
    }

    private static Creator create(ConfigValue config, Stats stats) {
        JwtAuthnConfig parsed = JwtAuthnConfig.parse(config, stats);
        JwtAuthnFilter.Counters counters = new JwtAuthnFilter.Counters(stats.counter("jwt_authn.allowed"),
                stats.counter("jwt_authn.denied"), stats.counter("jwt_authn.cors_preflight_bypassed"));
        return chain -> chain.addReceiverFilter(new JwtAuthnFilter(parsed, counters), ReceiverPhase.BEFORE_ROUTE);
    }
}
