package io.mosn4j.filter.mirror;

import static io.mosn4j.filter.FilterHarness.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.router.RouteInfo;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.filter.FilterHarness;
import org.junit.jupiter.api.Test;

/** MOSN's {@code mirror} filter: it only sets how many copies a mirrored request gets. */
class MirrorFilterTest {
    private final MirrorFilterFactory factory = new MirrorFilterFactory();

    @Test
    void amplificationBecomesTheRequestsMirrorCopies() {
        FilterHarness h = new FilterHarness(null).create(factory, config("{\"amplification\": 10}"));
        assertThat(h.filter().onRequestHeaders(Headers.request("GET", "/", "h"), true)).isEqualTo(FilterStatus.CONTINUE);
        assertThat(h.attributes.get(RouteInfo.MIRROR_COPIES)).isEqualTo(10);
        FilterHarness one = new FilterHarness(null).create(factory, config("{}"));
        one.filter().onRequestHeaders(Headers.request("GET", "/", "h"), true);
        assertThat(one.attributes.get(RouteInfo.MIRROR_COPIES)).isEqualTo(1);
    }

    @Test
    void broadcastAndBadAmplificationsAreRefused() {
        assertThatThrownBy(() -> factory.create(config("{\"amplification\": 2, \"broadcast\": true}", "f.config")))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("f.config.broadcast: broadcast is not supported yet");
        assertThatThrownBy(() -> factory.create(config("{\"amplification\": 0}", "f.config")))
                .isInstanceOf(ConfigException.class).hasMessage("f.config.amplification: must be 1..100, got 0");
        factory.create(config("{\"amplification\": 1, \"broadcast\": false}", "f.config"));
    }
}
