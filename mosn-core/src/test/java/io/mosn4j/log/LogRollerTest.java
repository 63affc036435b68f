package io.mosn4j.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mosn4j.api.config.ConfigException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LogRollerTest {
    @Test
    void mosnsSizeForm() {
        LogRoller r = LogRoller.parse("size=100 age=10 keep=10 compress=off");
        assertThat(r).isEqualTo(new LogRoller(100L << 20, 10, 10, false, null));
        assertThat(r.bySize()).isTrue();
        assertThat(LogRoller.parse("size=1  compress=on").compress()).isTrue();
    }

    @Test
    void timeWinsAndIsHoursOrAGoDuration() {
        assertThat(LogRoller.parse("time=1").interval()).isEqualTo(Duration.ofHours(1));
        assertThat(LogRoller.parse("size=100 time=24").interval()).isEqualTo(Duration.ofDays(1));
        assertThat(LogRoller.parse("time=10s").interval()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void noRollerIsDaily() {
        assertThat(LogRoller.parse(null)).isEqualTo(LogRoller.DAILY);
        assertThat(LogRoller.parse(" ")).isEqualTo(LogRoller.DAILY);
    }

    @Test
    void mistakesNameTheField() {
        for (String bad : new String[] {"size=0", "size=x", "keep=3", "compress=yes", "time=0", "time=100ms", "colour=red", "size"}) {
            assertThatThrownBy(() -> LogRoller.parse(bad)).as(bad).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("servers[0].global_log_roller: \"" + bad + "\"");
        }
    }
}
