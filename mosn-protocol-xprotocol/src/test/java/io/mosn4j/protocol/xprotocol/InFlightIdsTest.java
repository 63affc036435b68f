package io.mosn4j.protocol.xprotocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InFlightIdsTest {
    @Test
    void aWindowOfSequentialIdsComesBackByIdWithNullsKept() {
        InFlightIds<String> m = new InFlightIds<>();
        for (long id = 1; id <= 100; id++) {
            m.put(id, id % 10 == 0 ? null : "c" + id);
        }
        assertThat(m.size()).isEqualTo(100);
        assertThat(m.contains(10)).isTrue();
        assertThat(m.remove(10)).isNull(); // tracked with a null value
        assertThat(m.contains(10)).isFalse();
        assertThat(m.remove(7)).isEqualTo("c7");
        assertThat(m.remove(7)).isNull();
        assertThat(m.contains(101)).isFalse();
        assertThat(m.values()).hasSize(98).contains("c1", "c99").containsNull();
        m.clear();
        assertThat(m.isEmpty()).isTrue();
        assertThat(m.contains(1)).isFalse();
    }

    @Test
    void aSlowCallOutlivesThousandsOfIdsAndIsStillFound() {
        InFlightIds<String> m = new InFlightIds<>();
        m.put(5, "slow");
        for (long id = 6; id < 50_000; id++) { // a few in flight at once, far more than the slots in all
            m.put(id, "c" + id);
            if (id >= 9) {
                assertThat(m.remove(id - 3)).isEqualTo("c" + (id - 3));
            }
        }
        assertThat(m.size()).isEqualTo(4);
        assertThat(m.remove(5)).isEqualTo("slow");
        assertThat(m.contains(49_999)).isTrue();
    }

    @Test
    void behavesAsAMapUnderRandomTraffic() {
        InFlightIds<Long> m = new InFlightIds<>();
        Map<Long, Long> expected = new HashMap<>();
        Random random = new Random(42);
        long next = (1L << 32) - 3_000; // ids wrap past 32 bits on the way
        for (int step = 0; step < 200_000; step++) {
            if (random.nextInt(100) < 52 || expected.isEmpty()) {
                long id = next++;
                m.put(id, id);
                expected.put(id, id);
            } else {
                Long victim = expected.keySet().stream().skip(random.nextInt(Math.min(expected.size(), 8))).findFirst().orElseThrow();
                assertThat(m.remove(victim)).isEqualTo(expected.remove(victim));
            }
            if (step % 20_000 == 0) {
                assertThat(m.size()).isEqualTo(expected.size());
                assertThat(m.values()).containsExactlyInAnyOrderElementsOf(expected.values());
            }
        }
        for (Long id : expected.keySet()) {
            assertThat(m.contains(id)).isTrue();
        }
    }
}
