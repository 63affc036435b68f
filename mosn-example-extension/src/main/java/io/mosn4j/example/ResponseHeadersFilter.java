package io.mosn4j.example;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.SenderFilterCallbacks;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.filter.StreamSenderFilter;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.variable.Variables;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code example_response_headers}: adds response headers whose values are MOSN variables, on
 * upstream responses and the proxy's own replies alike: {@code {"headers": {"x-upstream":
 * "%upstream_host%", "x-flags": "%response_flag%"}}}. A value is literal text with
 * {@code %name%} parts; an unknown variable is refused at load; a variable without a value
 * prints "-", as access logs do.
 */
public final class ResponseHeadersFilter implements StreamSenderFilter {
    private final List<Template> headers;
    private SenderFilterCallbacks callbacks;

    ResponseHeadersFilter(List<Template> headers) {
        this.headers = headers;
    }

    @Override
    public void setSenderCallbacks(SenderFilterCallbacks callbacks) {
        this.callbacks = callbacks;
    }

    @Override
    public FilterStatus onResponseHeaders(Headers response, boolean endStream) {
        for (Template t : headers) {
            response.set(t.name, t.render(callbacks.requestInfo()));
        }
        return FilterStatus.CONTINUE;
    }

    @Override
    public LocalReply onLocalReply(LocalReply reply) {
        for (Template t : headers) {
            reply = reply.withHeader(t.name, t.render(callbacks.requestInfo()));
        }
        return reply;
    }

    /** A header value: text and variables, resolved once at load. */
    record Template(String name, List<Object> parts) {
        static Template parse(String name, String value, Variables variables, ConfigValue at) {
            List<Object> parts = new ArrayList<>();
            int i = 0;
            while (i < value.length()) {
                int open = value.indexOf('%', i);
                if (open < 0) {
                    parts.add(value.substring(i));
                    break;
                }
                int close = value.indexOf('%', open + 1);
                if (close < 0) {
                    throw at.error("", "unclosed %variable% in \"" + value + "\"");
                }
                if (open > i) {
                    parts.add(value.substring(i, open));
                }
                String var = value.substring(open + 1, close);
                Variables.Bound bound = variables.resolve(var);
                if (bound == null) {
                    throw at.error("", "unknown variable \"" + var + "\"");
                }
                parts.add(bound);
                i = close + 1;
            }
            return new Template(name, List.copyOf(parts));
        }

        String render(RequestInfo info) {
            StringBuilder b = new StringBuilder();
            for (Object p : parts) {
                if (p instanceof Variables.Bound v) {
                    String s = v.get(info);
                    b.append(s == null ? "-" : s);
                } else {
                    b.append(p);
                }
            }
            return b.toString();
        }
    }

    /** Registered as {@code example_response_headers}; needs the variables, which the filter context gives. */
    public static final class Factory implements StreamFilterFactory {
        @Override
        public String name() {
            return "example_response_headers";
        }

        @Override
        public Creator create(ConfigValue config, Context context) {
            ConfigValue headers = config.get("headers");
            if (!headers.isObject() || headers.keys().isEmpty()) {
                throw config.error("headers", "required: an object of header name to value");
            }
            List<Template> templates = new ArrayList<>();
            for (String name : headers.keys()) {
                ConfigValue v = headers.get(name);
                templates.add(Template.parse(name, v.asText(""), context.variables(), v));
            }
            List<Template> all = List.copyOf(templates);
            return chain -> chain.addSenderFilter(new ResponseHeadersFilter(all));
        }
    }
}
