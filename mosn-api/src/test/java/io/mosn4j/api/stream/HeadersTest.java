package io.mosn4j.api.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HeadersTest {
    static final StreamMessage MESSAGE = () -> {};

    @Test
    void aLazyBlockLoadsOnceOnFirstUseAndIsNotModifiedByItsLoad() {
        AtomicInteger loads = new AtomicInteger();
        Headers h = Headers.lazy(MESSAGE, into -> {
            loads.incrementAndGet();
            into.ensureCapacity(20);
            for (int i = 0; i < 20; i++) {
                into.add("k" + i, "v" + i);
            }
        });
        assertThat(h.message()).isSameAs(MESSAGE);
        assertThat(h.isLoaded()).isFalse();
        assertThat(h.toString()).isEqualTo("Headers{not decoded}");
        assertThat(loads).hasValue(0);
        assertThat(h.get("K19")).isEqualTo("v19");
        assertThat(h.size()).isEqualTo(20);
        assertThat(loads).hasValue(1);
        assertThat(h.isLoaded()).isTrue();
        assertThat(h.isModified()).isFalse();
        h.add("k20", "v20");
        assertThat(h.isModified()).isTrue();
        assertThat(h.size()).isEqualTo(21);
    }

    @Test
    void anEmptyLazyBlockGrowsFromNothing() {
        Headers h = Headers.lazy(MESSAGE, into -> {});
        assertThat(h.isEmpty()).isTrue();
        for (int i = 0; i < 40; i++) {
            h.add("n" + i, "v");
        }
        assertThat(h.size()).isEqualTo(40);
        assertThat(h.name(39)).isEqualTo("n39");
    }

    @Test
    void aFailingLoadFailsEveryAccessAndLeavesNothingBehind() {
        AtomicInteger loads = new AtomicInteger();
        Headers h = Headers.lazy(MESSAGE, into -> {
            loads.incrementAndGet();
            into.add("half", "way");
            throw new MessageDecodeException("bad body");
        });
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> h.get("half")).isInstanceOf(MessageDecodeException.class).hasMessage("bad body");
        }
        assertThatThrownBy(() -> h.set("x", "y")).isInstanceOf(MessageDecodeException.class);
        assertThat(h.isLoaded()).isFalse();
        assertThat(h.isModified()).isFalse();
        assertThat(loads).hasValue(4);
    }

    @Test
    void theStatusFollowsEveryChangeOfTheBlock() {
        Headers h = Headers.response(503);
        assertThat(h.status()).isEqualTo(503);
        h.set(":status", "200");
        assertThat(h.status()).isEqualTo(200);
        h.remove(":STATUS");
        assertThat(h.status()).isEqualTo(-1);
        h.add(":status", "x");
        assertThat(h.status()).as("not a number").isEqualTo(-1);
        h.set(":status", "404");
        assertThat(h.status()).isEqualTo(404);
        Headers lazy = Headers.lazy(MESSAGE, into -> into.add(":status", "204"));
        assertThat(lazy.status()).as("read from the loaded block").isEqualTo(204);
        assertThat(lazy.copy().status()).isEqualTo(204);
    }
}
