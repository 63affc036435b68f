package io.mosn4j.filter.rbac;

import static io.mosn4j.filter.ProtoJson.checkKeys;
import static io.mosn4j.filter.ProtoJson.field;
import static io.mosn4j.filter.ProtoJson.text;

import io.mosn4j.api.config.ConfigValue;
import java.util.Set;

/**
 * The {@code rbac} filter's config: Envoy's {@code envoy.extensions.filters.http.rbac.v3.RBAC} in
 * MOSN's JSON ({@code {"version", "rules": {...}, "shadow_rules": {...}}}, snake_case or camelCase).
 *
 * @param rules what decides, or null (everything passes)
 * @param shadow what is only counted and logged, or null
 * @param rulesPrefix {@code rules_stat_prefix}, put before the counters' last part
 * @param shadowPrefix {@code shadow_rules_stat_prefix}
 */
record RbacConfig(RbacRules rules, RbacRules shadow, String rulesPrefix, String shadowPrefix) {

    static RbacConfig parse(ConfigValue c) {
        if (c.isMissing()) {
            return new RbacConfig(null, null, "", "");
        }
        if (!c.isObject()) {
            throw c.error("", "must be an object {\"rules\", \"shadow_rules\"}");
        }
        // version is MOSN's label for its metrics; the matcher API (matcher, shadow_matcher) is not done here
        checkKeys(c, "the rbac filter", Set.of("version", "rules", "shadowRules", "rulesStatPrefix", "shadowRulesStatPrefix"),
                Set.of("matcher", "shadowMatcher", "trackPerRuleStats"));
        ConfigValue r = field(c, "rules");
        ConfigValue s = field(c, "shadowRules");
        String rp = text(c, "rulesStatPrefix");
        String sp = text(c, "shadowRulesStatPrefix");
        return new RbacConfig(r.isMissing() ? null : RbacRules.parse(r), s.isMissing() ? null : RbacRules.parse(s),
                rp == null ? "" : rp, sp == null ? "" : sp);
    }
}
