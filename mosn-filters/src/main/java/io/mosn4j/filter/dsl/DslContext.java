package io.mosn4j.filter.dsl;

import dev.cel.common.CelFunctionDecl;
import dev.cel.common.types.CelType;
import dev.cel.common.types.OpaqueType;
import dev.cel.common.types.SimpleType;
import dev.cel.runtime.CelFunctionBinding;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.cel.MosnCel;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code ctx} is in a dsl expression: the stream the expression runs on, with MOSN's functions
 * that change it ({@code ctx.rewrite_request_url("/p")}, {@code ctx.add_request_header("k", "v")},
 * {@code ctx.del_request_header("k")}, {@code ctx.add_response_header("k", "v")},
 * {@code ctx.del_response_header("k")}; each also callable as {@code f(ctx, ...)}). Each returns
 * true when it did its work, false when its side of the stream has no headers yet (a response
 * header before the response). {@code add_*} replaces an existing value, as MOSN's does.
 * One per evaluation, on the stream's thread.
 */
final class DslContext {
    static final CelType TYPE = OpaqueType.create("mosn.ctx");

    static final List<CelFunctionDecl> DECLARATIONS = List.of(
            MosnCel.both("rewrite_request_url", SimpleType.BOOL, TYPE, SimpleType.STRING),
            MosnCel.both("add_request_header", SimpleType.BOOL, TYPE, SimpleType.STRING, SimpleType.STRING),
            MosnCel.both("del_request_header", SimpleType.BOOL, TYPE, SimpleType.STRING),
            MosnCel.both("add_response_header", SimpleType.BOOL, TYPE, SimpleType.STRING, SimpleType.STRING),
            MosnCel.both("del_response_header", SimpleType.BOOL, TYPE, SimpleType.STRING));

    static final List<CelFunctionBinding> BINDINGS = bindings();

    private final Headers request;
    private final Headers response;
    /** Whether {@code rewrite_request_url} ran: after routing, the route is chosen again. */
    boolean urlRewritten;

    /**
     * @param request the request's headers while they may still change (before they went
     *     upstream), else null
     * @param response the response's headers while they may still change, else null
     */
    DslContext(Headers request, Headers response) {
        this.request = request;
        this.response = response;
    }

    private static List<CelFunctionBinding> bindings() {
        List<CelFunctionBinding> b = new ArrayList<>();
        for (String kind : new String[] {"", "member_"}) {
            b.add(CelFunctionBinding.from(kind + "rewrite_request_url", DslContext.class, String.class, DslContext::rewriteUrl));
            b.add(CelFunctionBinding.from(kind + "add_request_header", List.of(DslContext.class, String.class, String.class),
                    a -> ((DslContext) a[0]).set(((DslContext) a[0]).request, (String) a[1], (String) a[2])));
            b.add(CelFunctionBinding.from(kind + "del_request_header", DslContext.class, String.class,
                    (c, name) -> c.remove(c.request, name)));
            b.add(CelFunctionBinding.from(kind + "add_response_header", List.of(DslContext.class, String.class, String.class),
                    a -> ((DslContext) a[0]).set(((DslContext) a[0]).response, (String) a[1], (String) a[2])));
            b.add(CelFunctionBinding.from(kind + "del_response_header", DslContext.class, String.class,
                    (c, name) -> c.remove(c.response, name)));
        }
        return List.copyOf(b);
    }

    private boolean set(Headers headers, String name, String value) {
        if (headers == null) {
            return false;
        }
        headers.set(name, value);
        return true;
    }

    private boolean remove(Headers headers, String name) {
        if (headers == null) {
            return false;
        }
        headers.remove(name);
        return true;
    }

    /**
     * Replaces the request's path; its query string stays unless {@code url} brings its own. An
     * RPC request has no URL: nothing to rewrite.
     */
    private boolean rewriteUrl(String url) {
        Headers h = request;
        String old = h == null ? null : h.path();
        if (old == null || url.isEmpty()) {
            return false;
        }
        int q = old.indexOf('?');
        h.set(Headers.PATH, q < 0 || url.indexOf('?') >= 0 ? url : url + old.substring(q));
        urlRewritten = true;
        return true;
    }
}
