package io.mosn4j.protocol.dubbo;

import io.mosn4j.api.protocol.XProtocolException;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;

/**
 * The routing headers of a dubbo request, read from its hessian2 body: in Dubbo's order the
 * framework version, the service path, the service version, the method name and the parameter
 * types descriptor; then as many arguments as the descriptor names, stepped over unread; then the
 * attachments map. See {@link Hessian2Reader} for why nothing in the body is ever instantiated.
 */
final class RequestHeaders {
    static final String SERVICE = "service";
    static final String METHOD = "method";
    static final String VERSION = "version";
    static final String GROUP = "group";
    /** The framework version ("2.0.2"), exposed under MOSN's name for it. */
    static final String DUBBO_VERSION = "dubbo";

    private RequestHeaders() {}

    /**
     * Reads {@code body} (its indexes untouched) into {@code h}: {@code service}, {@code method},
     * {@code version} and {@code dubbo} from the head, then every attachment whose key and value
     * are strings ({@code group}, {@code interface}, {@code path}, ...) unless an entry of that
     * name (ignoring case) came first.
     *
     * @throws XProtocolException when the body is not a hessian2 dubbo request
     */
    static void read(ByteBuf body, Headers h) {
        Hessian2Reader in = new Hessian2Reader(body, DubboProtocol.HEADER_LENGTH);
        in.field("dubbo version");
        String dubboVersion = in.readString();
        in.field("service path");
        String service = in.readString();
        in.field("service version");
        String version = in.readString();
        in.field("method name");
        String method = in.readString();
        skipArguments(in);

        h.ensureCapacity(16);
        addIfPresent(h, SERVICE, service);
        addIfPresent(h, METHOD, method);
        addIfPresent(h, VERSION, version);
        addIfPresent(h, DUBBO_VERSION, dubboVersion);

        in.field("attachments");
        if (in.atEnd()) {
            return; // a body without an attachments map: nothing more to expose
        }
        if (!in.beginMap()) {
            in.skipValue(); // null, or anything else: no string attachments to take
            return;
        }
        while (!in.endOfMap()) {
            String key = Hessian2Reader.isStringStart(in.peek()) ? in.readString() : skip(in);
            String value = Hessian2Reader.isStringStart(in.peek()) ? in.readString() : skip(in);
            if (key != null && value != null && !h.contains(key)) {
                h.add(key, value);
            }
        }
    }

    /** Steps over the body head's first four strings and the arguments, to the attachments. */
    static void skipToAttachments(Hessian2Reader in) {
        in.field("body head");
        for (int i = 0; i < 4; i++) {
            in.skipValue(); // strings, as reading the headers found
        }
        skipArguments(in);
    }

    /** Reads the parameter types descriptor and steps over one argument per type it names. */
    private static void skipArguments(Hessian2Reader in) {
        in.field("parameter types");
        int descAt = in.position();
        String desc = in.readString();
        int args = argumentCount(desc, in, descAt);
        for (int i = 1; i <= args; i++) {
            in.field("argument", i);
            in.skipValue();
        }
    }

    private static String skip(Hessian2Reader in) {
        in.skipValue();
        return null;
    }

    private static void addIfPresent(Headers h, String name, String value) {
        if (value != null) {
            h.add(name, value);
        }
    }

    /**
     * How many arguments a JVM parameter descriptor names ({@code "Ljava/lang/String;I[J"} is 3):
     * Dubbo reads one value per parameter and nothing tells where the arguments end otherwise.
     */
    static int argumentCount(String desc, Hessian2Reader in, int at) {
        if (desc == null) {
            return 0;
        }
        int count = 0;
        int i = 0;
        int n = desc.length();
        while (i < n) {
            char c = desc.charAt(i);
            while (c == '[' && i + 1 < n) {
                c = desc.charAt(++i);
            }
            switch (c) {
                case 'V', 'Z', 'B', 'C', 'D', 'F', 'I', 'J', 'S' -> i++;
                case 'L' -> {
                    int semi = desc.indexOf(';', i + 1);
                    if (semi < 0) {
                        throw in.error("parameter types descriptor \"" + clip(desc) + "\" has an unterminated class", at);
                    }
                    i = semi + 1;
                }
                default -> throw in.error(
                        "parameter types descriptor \"" + clip(desc) + "\" has '" + c + "' at " + i, at);
            }
            count++;
        }
        return count;
    }

    private static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
