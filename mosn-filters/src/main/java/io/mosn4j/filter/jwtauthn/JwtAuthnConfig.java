package io.mosn4j.filter.jwtauthn;

import static io.mosn4j.filter.ProtoJson.bool;
import static io.mosn4j.filter.ProtoJson.checkKeys;
import static io.mosn4j.filter.ProtoJson.field;
import static io.mosn4j.filter.ProtoJson.refuseUnknown;
import static io.mosn4j.filter.ProtoJson.text;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.stats.Stats;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code jwt_authn} filter's config: Envoy's {@code JwtAuthentication} as MOSN's JSON carries it
 * ({@code providers}, {@code rules}, {@code requirementMap}, {@code bypassCorsPreflight}), camelCase
 * or snake_case keys. Everything is checked here, at load: a requirement naming an unknown provider,
 * an unreadable JWKS, a match or a provider field that would narrow what passes and is not done here.
 *
 * @param rules the rules, in order: the first whose match holds decides
 * @param bypassCorsPreflight whether CORS preflight requests pass unverified
 * @param sanitized the payload and claim headers, removed from every request before verification
 * @param tokens the tokens this filter parsed and verified lately
 */
record JwtAuthnConfig(List<Rule> rules, boolean bypassCorsPreflight, List<String> sanitized, TokenCache tokens) {
    static final Duration DEFAULT_CACHE = Duration.ofMinutes(10);
    static final Duration DEFAULT_FETCH_TIMEOUT = Duration.ofSeconds(1);
    static final long DEFAULT_SKEW_SECONDS = 60;

    /**
     * A rule: its path match and what it requires (null: nothing, the request passes unverified).
     *
     * @param remotes the remote JWKS its requirement may need, fetched before it is evaluated
     */
    record Rule(Match match, Requirement requires, List<Provider> remotes) {}

    /** A rule's {@code match}: a prefix, an exact path or a regex, on the path without its query. */
    record Match(String prefix, String path, Pattern regex, boolean caseSensitive) {
        boolean matches(String p) {
            if (regex != null) {
                return regex.matcher(p).matches();
            }
            if (path != null) {
                return caseSensitive ? path.equals(p) : path.equalsIgnoreCase(p);
            }
            return p.length() >= prefix.length() && p.regionMatches(!caseSensitive, 0, prefix, 0, prefix.length());
        }
    }

    static JwtAuthnConfig parse(ConfigValue c, Stats stats, String statPrefix) {
        if (!c.isObject()) {
            throw c.error("", "must be an object {\"providers\", \"rules\"}");
        }
        checkKeys(c, "the jwt_authn filter", Set.of("providers", "rules", "requirementMap", "bypassCorsPreflight"),
                Set.of("filterStateRules"));
        Map<String, Provider> providers = new LinkedHashMap<>();
        ConfigValue ps = field(c, "providers");
        if (!ps.isObject() || ps.keys().isEmpty()) {
            throw c.error("providers", "required: an object of named providers");
        }
        List<String> sanitized = new ArrayList<>();
        for (String name : ps.keys()) {
            Provider p = provider(name, ps.get(name), stats, statPrefix);
            providers.put(name, p);
            if (p.payloadHeader() != null) {
                sanitized.add(p.payloadHeader());
            }
            sanitized.addAll(p.claimHeaders().values());
        }
        Map<String, Requirement> named = new LinkedHashMap<>();
        ConfigValue rm = field(c, "requirementMap");
        for (String name : rm.keys()) {
            named.put(name, requirement(rm.get(name), providers, List.copyOf(providers.values())));
        }
        List<Rule> rules = new ArrayList<>();
        ConfigValue rs = field(c, "rules");
        if (!rs.isMissing() && !rs.isArray()) {
            throw c.error("rules", "must be an array of {\"match\", \"requires\"}");
        }
        for (ConfigValue r : rs.elements()) {
            refuseUnknown(r, "a jwt_authn rule", Set.of("match", "requires", "requirementName"));
            Requirement q = null;
            ConfigValue requires = field(r, "requires");
            String byName = text(r, "requirementName");
            if (!requires.isMissing() && byName != null) {
                throw r.error("requirementName", "a rule has requires or requirementName, not both");
            }
            if (!requires.isMissing()) {
                q = requirement(requires, providers, List.copyOf(providers.values()));
            } else if (byName != null) {
                q = named.get(byName);
                if (q == null) {
                    throw r.error("requirementName", "no requirement \"" + byName + "\" in requirementMap");
                }
            }
            List<Provider> remotes = q == null ? List.of() : q.providers().stream().filter(p -> p.remote() != null).toList();
            rules.add(new Rule(match(field(r, "match")), q, remotes));
        }
        return new JwtAuthnConfig(List.copyOf(rules), bool(c, "bypassCorsPreflight", false), List.copyOf(sanitized), new TokenCache());
    }

    private static Match match(ConfigValue m) {
        if (!m.isObject()) {
            throw m.error("", "required: {\"prefix\"} or {\"path\"} or {\"safeRegex\": {\"regex\"}}");
        }
        refuseUnknown(m, "a jwt_authn rule's match (headers, query parameters and others are not supported)",
                Set.of("prefix", "path", "safeRegex", "caseSensitive"));
        String prefix = text(m, "prefix");
        String path = text(m, "path");
        ConfigValue sr = field(m, "safeRegex");
        int set = (prefix != null ? 1 : 0) + (path != null ? 1 : 0) + (sr.isMissing() ? 0 : 1);
        if (set != 1) {
            throw m.error("", "needs exactly one of prefix, path, safeRegex");
        }
        boolean caseSensitive = bool(m, "caseSensitive", true);
        Pattern regex = null;
        if (!sr.isMissing()) {
            String re = text(sr, "regex");
            if (re == null) {
                throw sr.error("regex", "required");
            }
            try {
                regex = Pattern.compile(re, caseSensitive ? 0 : Pattern.CASE_INSENSITIVE);
            } catch (PatternSyntaxException e) {
                throw sr.error("regex", "not a regular expression: " + e.getDescription());
            }
        }
        return new Match(prefix, path, regex, caseSensitive);
    }

    /** One {@code JwtRequirement}; {@code siblings} are whom an {@code allowMissing} in it looks at. */
    private static Requirement requirement(ConfigValue q, Map<String, Provider> providers, List<Provider> siblings) {
        if (!q.isObject()) {
            throw q.error("", "must be an object with one of providerName, providerAndAudiences, requiresAny, requiresAll, allowMissing, allowMissingOrFailed");
        }
        refuseUnknown(q, "a jwt_authn requirement",
                Set.of("providerName", "providerAndAudiences", "requiresAny", "requiresAll", "allowMissing", "allowMissingOrFailed"));
        if (q.keys().size() != 1) {
            throw q.error("", "needs exactly one of providerName, providerAndAudiences, requiresAny, requiresAll, allowMissing, allowMissingOrFailed");
        }
        String name = text(q, "providerName");
        if (name != null) {
            return new Requirement.One(named(q, "providerName", name, providers));
        }
        ConfigValue pa = field(q, "providerAndAudiences");
        if (!pa.isMissing()) {
            refuseUnknown(pa, "providerAndAudiences", Set.of("providerName", "audiences"));
            Provider p = named(pa, "providerName", text(pa, "providerName"), providers);
            return new Requirement.One(p.withAudiences(strings(field(pa, "audiences"))));
        }
        for (String group : List.of("requiresAny", "requiresAll")) {
            ConfigValue g = field(q, group);
            if (g.isMissing()) {
                continue;
            }
            refuseUnknown(g, group, Set.of("requirements"));
            ConfigValue list = field(g, "requirements");
            if (!list.isArray() || list.elements().size() < 2) {
                throw g.error("requirements", "required: an array of at least two requirements");
            }
            // an allowMissing among them looks at the tokens of the providers they name (else of all)
            List<Provider> named = new ArrayList<>();
            for (ConfigValue e : list.elements()) {
                String n = text(e, "providerName");
                if (n != null && providers.containsKey(n)) {
                    named.add(providers.get(n));
                }
            }
            List<Provider> scope = named.isEmpty() ? List.copyOf(providers.values()) : named;
            List<Requirement> of = new ArrayList<>();
            for (ConfigValue e : list.elements()) {
                of.add(requirement(e, providers, scope));
            }
            return group.equals("requiresAny") ? new Requirement.Any(List.copyOf(of)) : new Requirement.All(List.copyOf(of));
        }
        boolean orFailed = !field(q, "allowMissingOrFailed").isMissing();
        return new Requirement.AllowMissing(siblings, orFailed);
    }

    private static Provider named(ConfigValue at, String field, String name, Map<String, Provider> providers) {
        Provider p = name == null ? null : providers.get(name);
        if (p == null) {
            throw at.error(field, name == null ? "required" : "no provider \"" + name + "\" in providers (have " + providers.keySet() + ")");
        }
        return p;
    }

    private static Provider provider(String name, ConfigValue p, Stats stats, String statPrefix) {
        if (!p.isObject()) {
            throw p.error("", "must be an object (a JwtProvider)");
        }
        checkKeys(p, "a jwt_authn provider",
                Set.of("issuer", "audiences", "remoteJwks", "localJwks", "forward", "fromHeaders", "fromParams", "forwardPayloadHeader",
                        "padForwardPayloadHeader", "claimToHeaders", "clockSkewSeconds"),
                Set.of("subjects", "maxLifetime", "requireExpiration"));
        String issuer = text(p, "issuer");
        ConfigValue local = field(p, "localJwks");
        ConfigValue remote = field(p, "remoteJwks");
        if (local.isMissing() == remote.isMissing()) {
            throw p.error("", "needs exactly one of localJwks, remoteJwks");
        }
        JwksKeys keys = local.isMissing() ? null : localJwks(local);
        RemoteJwks fetcher = remote.isMissing() ? null : remoteJwks(remote, stats, statPrefix);
        List<TokenSource> sources = new ArrayList<>();
        for (ConfigValue h : field(p, "fromHeaders").elements()) {
            refuseUnknown(h, "fromHeaders", Set.of("name", "valuePrefix"));
            String header = text(h, "name");
            if (header == null || header.isBlank()) {
                throw h.error("name", "required");
            }
            sources.add(TokenSource.header(header.trim(), text(h, "valuePrefix")));
        }
        for (String param : strings(field(p, "fromParams"))) {
            sources.add(TokenSource.param(param));
        }
        if (sources.isEmpty()) {
            sources.add(TokenSource.header("Authorization", "Bearer "));
            sources.add(TokenSource.param("access_token"));
        }
        String payloadHeader = text(p, "forwardPayloadHeader");
        Map<String, String> claims = new LinkedHashMap<>();
        for (ConfigValue ch : field(p, "claimToHeaders").elements()) {
            refuseUnknown(ch, "claimToHeaders", Set.of("headerName", "claimName"));
            String header = text(ch, "headerName");
            String claim = text(ch, "claimName");
            if (header == null || claim == null) {
                throw ch.error("", "needs headerName and claimName");
            }
            claims.put(claim, header.toLowerCase(Locale.ROOT));
        }
        ConfigValue skew = field(p, "clockSkewSeconds");
        long skewSeconds = skew.isMissing() ? DEFAULT_SKEW_SECONDS : number(skew);
        return new Provider(name, issuer == null || issuer.isEmpty() ? null : issuer, strings(field(p, "audiences")), keys, fetcher,
                List.copyOf(sources), bool(p, "forward", false), payloadHeader == null || payloadHeader.isBlank() ? null : payloadHeader,
                bool(p, "padForwardPayloadHeader", false), Map.copyOf(claims), skewSeconds);
    }

    private static JwksKeys localJwks(ConfigValue local) {
        refuseUnknown(local, "localJwks", Set.of("inlineString", "inlineBytes", "filename"));
        String json;
        String inline = text(local, "inlineString");
        String bytes = text(local, "inlineBytes");
        String file = text(local, "filename");
        if (inline != null) {
            json = inline;
        } else if (bytes != null) {
            try {
                json = new String(Base64.getDecoder().decode(bytes), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw local.error("inlineBytes", "not base64: " + e.getMessage());
            }
        } else if (file != null) {
            try {
                json = Files.readString(Path.of(file));
            } catch (IOException e) {
                throw local.error("filename", "cannot read " + file + ": " + e.getMessage());
            }
        } else {
            throw local.error("", "needs inlineString, inlineBytes or filename");
        }
        try {
            return JwksKeys.parse(json);
        } catch (IllegalArgumentException e) {
            throw local.error("", e.getMessage());
        }
    }

    private static RemoteJwks remoteJwks(ConfigValue remote, Stats stats, String statPrefix) {
        checkKeys(remote, "remoteJwks", Set.of("httpUri", "cacheDuration"), Set.of());
        ConfigValue http = field(remote, "httpUri");
        checkKeys(http, "httpUri", Set.of("uri", "timeout"), Set.of());
        String uri = text(http, "uri");
        URI parsed;
        try {
            parsed = uri == null ? null : URI.create(uri);
        } catch (IllegalArgumentException e) {
            throw http.error("uri", "not a URI: " + e.getMessage());
        }
        if (parsed == null || parsed.getHost() == null || !("http".equals(parsed.getScheme()) || "https".equals(parsed.getScheme()))) {
            throw http.error("uri", "required: an http:// or https:// URI");
        }
        Duration timeout = field(http, "timeout").as(Duration.class);
        Duration cache = field(remote, "cacheDuration").as(Duration.class);
        return new RemoteJwks(parsed, timeout == null || timeout.isZero() ? DEFAULT_FETCH_TIMEOUT : timeout,
                cache == null || cache.isZero() ? DEFAULT_CACHE : cache,
                stats.counter(statPrefix + "jwks_fetch_success"), stats.counter(statPrefix + "jwks_fetch_failed"));
    }

    private static long number(ConfigValue v) {
        try {
            long n = Long.parseLong(v.asText(""));
            if (n < 0) {
                throw v.error("", "must not be negative");
            }
            return n;
        } catch (NumberFormatException e) {
            throw v.error("", "must be a whole number");
        }
    }

    private static List<String> strings(ConfigValue v) {
        if (v.isMissing()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw v.error("", "must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (ConfigValue e : v.elements()) {
            out.add(e.asText(""));
        }
        return List.copyOf(out);
    }
}
