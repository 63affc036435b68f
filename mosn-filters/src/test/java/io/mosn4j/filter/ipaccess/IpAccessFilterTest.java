package io.mosn4j.filter.ipaccess;

import static io.mosn4j.filter.FilterHarness.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.ProxyError;
import io.mosn4j.filter.FilterHarness;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class IpAccessFilterTest {
    private final IpAccessFilterFactory factory = new IpAccessFilterFactory();

    private static InetAddress ip(String s) {
        return InetAddress.ofLiteral(s);
    }

    private static IpAccessConfig parse(String json) {
        return IpAccessConfig.parse(config(json));
    }

    private static String error(String json) {
        return catchThrowableOfType(ConfigException.class, () -> parse(json)).getMessage();
    }

    @Test
    void theFirstEntryHoldingTheAddressDecides() {
        IpAccessConfig c = parse("""
                {"default_action": "deny", "ips": [
                  {"action": "allow", "addrs": ["10.1.0.0/16", "::1"]},
                  {"action": "deny", "addrs": ["10.0.0.0/8"]},
                  {"action": "allow", "addrs": ["10.2.3.4"]}
                ]}""");
        assertThat(c.allows(ip("10.1.2.3"))).isTrue();
        assertThat(c.allows(ip("10.2.3.4"))).as("denied by the earlier /8").isFalse();
        assertThat(c.allows(ip("::1"))).isTrue();
        assertThat(c.allows(ip("192.168.0.1"))).as("no entry: the default").isFalse();
        assertThat(c.allows(null)).as("an unknown address is in no entry").isFalse();
    }

    @Test
    void theDefaultIsAllow() {
        IpAccessConfig c = parse("{\"ips\": [{\"action\": \"deny\", \"addrs\": [\"127.0.0.0/8\"]}]}");
        assertThat(c.allows(ip("127.0.0.1"))).isFalse();
        assertThat(c.allows(ip("::1"))).as("an IPv6 address is never in an IPv4 range").isTrue();
        assertThat(c.allows(null)).isTrue();
        assertThat(parse("{\"default_action\": \"ALLOW\"}").allows(ip("1.2.3.4"))).isTrue();
        assertThat(IpAccessConfig.parse(config(null)).allows(ip("1.2.3.4"))).isTrue();
    }

    @Test
    void badFieldsAreRefusedWithTheirPath() {
        String at = "servers[0].listeners[0].stream_filters[0].config.";
        assertThat(error("{\"default_action\": \"block\"}")).startsWith(at + "default_action: must be \"allow\" or \"deny\", got \"block\"");
        assertThat(error("{\"ips\": [{\"action\": \"dney\", \"addrs\": [\"1.2.3.4\"]}]}")).startsWith(at + "ips[0].action: must be \"allow\" or \"deny\"");
        assertThat(error("{\"ips\": [{\"addrs\": [\"1.2.3.4\"]}]}")).startsWith(at + "ips[0].action: required");
        assertThat(error("{\"ips\": [{\"action\": \"deny\", \"addrs\": []}]}")).startsWith(at + "ips[0].addrs: required");
        assertThat(error("{\"ips\": [{\"action\": \"deny\", \"addrs\": [\"1.2.3.4\", \"10.0.0.0/33\"]}]}"))
                .startsWith(at + "ips[0].addrs[1]: prefix length must be 0..32");
        assertThat(error("{\"ips\": [{\"action\": \"deny\", \"addrs\": [\"example.com\"]}]}"))
                .startsWith(at + "ips[0].addrs[0]: not an IP address");
        assertThat(error("{\"ips\": {\"action\": \"deny\"}}")).startsWith(at + "ips: must be an array");
        // a key it does not know may be a misspelt rule: skipping it could let in whom it keeps out
        assertThat(error("{\"default_acton\": \"deny\"}")).startsWith(at + "default_acton: not a key of the ip_access stream filter");
        assertThat(error("{\"ips\": [{\"action\": \"deny\", \"addr\": [\"1.2.3.4\"]}]}")).startsWith(at + "ips[0].addr: not a key");
    }

    @Test
    void runsBeforeRoutingOnThePeerAddress() {
        FilterHarness h = new FilterHarness(null).create(factory, config("{\"ips\": [{\"action\": \"deny\", \"addrs\": [\"127.0.0.0/8\"]}]}"));
        assertThat(h.phases).containsExactly(ReceiverPhase.BEFORE_ROUTE);
        h.remote = new InetSocketAddress(ip("127.0.0.1"), 40000);
        assertThat(h.filter().onRequestHeaders(Headers.request("GET", "/", "x"), true)).isEqualTo(FilterStatus.STOP);
        assertThat(h.reply.status()).isEqualTo(403);
        assertThat(h.reply.rpcError()).isEqualTo(ProxyError.PERMISSION_DENIED);

        FilterHarness other = new FilterHarness(null).create(factory, config("{\"ips\": [{\"action\": \"deny\", \"addrs\": [\"127.0.0.0/8\"]}]}"));
        other.remote = new InetSocketAddress(ip("192.0.2.1"), 40000);
        assertThat(other.filter().onRequestHeaders(Headers.request("GET", "/", "x"), true)).isEqualTo(FilterStatus.CONTINUE);
    }

    @Test
    void theHeaderNamesTheClientWhenPresent() {
        String cfg = "{\"header\": \"X-Forwarded-For\", \"default_action\": \"deny\", \"ips\": [{\"action\": \"allow\", \"addrs\": [\"192.0.2.0/24\"]}]}";
        FilterHarness h = new FilterHarness(null).create(factory, config(cfg));
        h.remote = new InetSocketAddress(ip("127.0.0.1"), 40000);
        Headers fromProxy = Headers.request("GET", "/", "x").add("x-forwarded-for", " 192.0.2.7 , 127.0.0.1");
        assertThat(h.filter().onRequestHeaders(fromProxy, true)).isEqualTo(FilterStatus.CONTINUE);

        FilterHarness garbage = new FilterHarness(null).create(factory, config(cfg));
        garbage.remote = new InetSocketAddress(ip("192.0.2.1"), 40000);
        assertThat(garbage.filter().onRequestHeaders(Headers.request("GET", "/", "x").add("x-forwarded-for", "unknown"), true))
                .as("an unparsable header is in no entry, and the peer does not stand in").isEqualTo(FilterStatus.STOP);

        FilterHarness absent = new FilterHarness(null).create(factory, config(cfg));
        absent.remote = new InetSocketAddress(ip("192.0.2.1"), 40000);
        assertThat(absent.filter().onRequestHeaders(Headers.request("GET", "/", "x"), true)).as("no header: the peer").isEqualTo(FilterStatus.CONTINUE);
    }

    @Test
    void headerValuesParseWithoutNameLookups() {
        assertThat(IpAccessFilter.firstItem(" 1.2.3.4, 5.6.7.8")).isEqualTo("1.2.3.4");
        assertThat(IpAccessFilter.firstItem(" , 5.6.7.8")).isNull();
        assertThat(IpAccessFilter.parse("[::1]")).isEqualTo(ip("::1"));
        assertThat(IpAccessFilter.parse("localhost")).isNull();
    }

    @Test
    void refusalsAreLoggedAtMostOnceASecond() {
        long t = 1_000_000_000_000L;
        RefusalLog log = new RefusalLog("ip_access at test", t);
        assertThat(log.refused(ip("1.2.3.4"), null, t)).isTrue();
        int written = 0;
        for (int i = 1; i <= 10_000; i++) {
            written += log.refused(ip("1.2.3.4"), null, t + i * 50_000L) ? 1 : 0; // 10k refusals over 0.5 s
        }
        assertThat(written).isZero();
        assertThat(log.refused(ip("1.2.3.4"), null, t + 1_000_000_000L)).isTrue();
    }
}
