package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
/** A route that answers itself: {@code {"status": 200, "body": "..."}}. */
public record DirectResponseConfig(Integer status, String body) {
    public DirectResponseConfig {
        status = status == null ? 200 : status;
        if (status < 200 || status > 599) {
            throw new ConfigException("status", "must be an HTTP status 200..599, got " + status);
        }
    }
}
