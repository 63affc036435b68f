package io.mosn4j.filter.rbac;

import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.RequestInfo;

/** What a permission or principal looks at: the request's headers and its connection's addresses. */
record RequestView(Headers headers, RequestInfo info) {

    /** The path without its query and fragment ("" when the request has none, as RPC requests). */
    String path() {
        String p = headers.path();
        if (p == null) {
            return "";
        }
        int end = p.length();
        int q = p.indexOf('?');
        int f = p.indexOf('#');
        if (q >= 0) {
            end = q;
        }
        if (f >= 0 && f < end) {
            end = f;
        }
        return p.substring(0, end);
    }
}
