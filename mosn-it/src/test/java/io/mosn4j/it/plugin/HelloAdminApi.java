package io.mosn4j.it.plugin;

import io.mosn4j.api.admin.AdminApi;

/** An admin path written against mosn-api only, added by the test plugin jar: {@code GET /api/v1/it_hello?name=x}. */
public final class HelloAdminApi implements AdminApi {
    @Override
    public String path() {
        return "/api/v1/it_hello";
    }

    @Override
    public Response handle(Request request) {
        return Response.text(200, "hello " + request.param("name") + " by " + request.method());
    }
}
