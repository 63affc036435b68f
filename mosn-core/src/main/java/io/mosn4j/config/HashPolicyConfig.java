package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.mosn4j.api.config.ConfigException;
import java.time.Duration;

/**
 * One {@code hash_policy} entry of a route, MOSN's form: {@code {"header": {"key": "x-user"}}},
 * {@code {"cookie": {"name": "session"}}} or {@code {"source_ip": {}}} (Envoy's
 * {@code header_name} is read too). Exactly one per entry.
 */
public record HashPolicyConfig(HeaderHash header, CookieHash cookie, JsonNode sourceIp) {
    public HashPolicyConfig {
        int set = (header != null ? 1 : 0) + (cookie != null ? 1 : 0) + (sourceIp != null && !sourceIp.isNull() ? 1 : 0);
        if (set != 1) {
            throw new ConfigException("", "give exactly one of header, cookie and source_ip");
        }
    }

    /** Hash on a request header's value. */
    public record HeaderHash(String key, String headerName) {
        public HeaderHash {
            if ((key == null || key.isBlank()) && (headerName == null || headerName.isBlank())) {
                throw new ConfigException("key", "required: the header to hash");
            }
        }

        public String name() {
            return key != null && !key.isBlank() ? key : headerName;
        }
    }

    /** Hash on a cookie's value; {@code path} and {@code ttl} are MOSN's, which does not use them either. */
    public record CookieHash(String name, String path, Duration ttl) {
        public CookieHash {
            if (name == null || name.isBlank()) {
                throw new ConfigException("name", "required: the cookie to hash");
            }
        }
    }
}
