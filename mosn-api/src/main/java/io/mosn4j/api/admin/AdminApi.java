package io.mosn4j.api.admin;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * An admin API path added by an extension jar: registered for {@link java.util.ServiceLoader}
 * (as {@code META-INF/services/io.mosn4j.api.admin.AdminApi}) it is served on the {@code admin}
 * port next to the built-in paths, which it cannot replace. {@link #handle} runs on a virtual
 * thread, never on an event loop, so it may block.
 */
public interface AdminApi {
    /** The path it answers, starting with {@code /}, e.g. {@code /api/v1/my_plugin}. */
    String path();

    Response handle(Request request) throws Exception;

    /** One admin call: method, query parameters (a name may repeat) and body. */
    record Request(String method, Map<String, List<String>> query, byte[] body) {
        public String param(String name) {
            List<String> v = query.get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }
    }

    /** An admin answer. */
    record Response(int status, String contentType, byte[] body) {
        public static Response json(byte[] body) {
            return new Response(200, "application/json", body);
        }

        public static Response text(int status, String text) {
            return new Response(status, "text/plain; charset=utf-8", (text + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }
}
