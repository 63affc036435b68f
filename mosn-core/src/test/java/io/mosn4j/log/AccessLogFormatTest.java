package io.mosn4j.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.api.stream.ResponseFlag;
import io.mosn4j.api.upstream.HostInfo;
import io.mosn4j.api.variable.LineBuffer;
import io.mosn4j.variable.BuiltinVariables;
import io.mosn4j.variable.VariableRegistry;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Formats over a hand-filled request record (the proxy's own is exercised by mosn-it's AccessLogTest). */
class AccessLogFormatTest {
    private static final VariableRegistry VARS = new VariableRegistry(new BuiltinVariables().variables());

    @Test
    void literalsVariablesEscapesAndMissingValues() {
        List<String> unknown = new ArrayList<>();
        AccessLogFormat f = AccessLogFormat.text("[%protocol%] \\%%response_code% %request_header_x-a% %request_header_x-none% %NOT_A_VAR% %duration%",
                VARS, unknown::add);
        assertThat(unknown).containsExactly("NOT_A_VAR");
        assertThat(line(f, new Req())).isEqualTo("[Http1] %503 av - - 1.5ms");
    }

    @Test
    void flagsAndNumbersAppendWithoutStrings() {
        AccessLogFormat f = AccessLogFormat.text("%response_flag% %bytes_sent% %connection_id% %upstream_connection_id%", VARS, n -> {});
        Req r = new Req();
        r.setResponseFlag(ResponseFlag.NO_HEALTHY_UPSTREAM);
        r.setResponseFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
        assertThat(line(f, r)).isEqualTo("UH,UT 42 7 -");
    }

    @Test
    void jsonEscapesValues() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("a\"b", "%request_header_x-q%");
        fields.put("both", "%protocol% %response_code%");
        fields.put("none", "%request_header_x-none%");
        AccessLogFormat f = AccessLogFormat.json(fields, VARS, n -> {});
        assertThat(line(f, new Req())).isEqualTo("{\"a\\\"b\":\"q\\\"\\\\\\n\",\"both\":\"Http1 503\",\"none\":\"-\"}");
    }

    @Test
    void brokenFormatsAreRefused() {
        assertThatThrownBy(() -> AccessLogFormat.text("x %% y", VARS, n -> {})).hasMessageContaining("empty variable");
        assertThatThrownBy(() -> AccessLogFormat.text("%protocol", VARS, n -> {})).hasMessageContaining("unclosed");
    }

    private static String line(AccessLogFormat f, RequestInfo r) {
        LineBuffer b = new LineBuffer();
        f.appendTo(b, r);
        return b.toString();
    }

    private static final class Req implements RequestInfo {
        private int flags;
        private final Headers headers = new Headers().add("x-a", "av").add("x-q", "q\"\\\n");

        @Override public long startTimeMillis() { return 0; }
        @Override public long startNanos() { return 0; }
        @Override public long requestReceivedNanos() { return 1000; }
        @Override public long responseReceivedNanos() { return -1; }
        @Override public long requestFinishedNanos() { return 1_500_000; }
        @Override public String protocol() { return "Http1"; }
        @Override public String upstreamProtocol() { return null; }
        @Override public long bytesReceived() { return 0; }
        @Override public long bytesSent() { return 42; }
        @Override public String listenerName() { return "l"; }
        @Override public String routerName() { return null; }
        @Override public String virtualHostName() { return null; }
        @Override public String routeName() { return null; }
        @Override public String clusterName() { return null; }
        @Override public HostInfo upstreamHost() { return null; }
        @Override public SocketAddress upstreamLocalAddress() { return null; }
        @Override public SocketAddress downstreamLocalAddress() { return null; }
        @Override public SocketAddress downstreamRemoteAddress() { return null; }
        @Override public long connectionId() { return 7; }
        @Override public int responseCode() { return 503; }
        @Override public int responseFlags() { return flags; }
        @Override public void setResponseFlag(ResponseFlag flag) { flags |= flag.bit(); }
        @Override public Headers requestHeaders() { return headers; }
        @Override public Headers responseHeaders() { return null; }
        @Override public Object attribute(String key) { return null; }
        @Override public void setAttribute(String key, Object value) {}
    }
}
