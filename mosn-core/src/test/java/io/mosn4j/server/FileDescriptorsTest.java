package io.mosn4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class FileDescriptorsTest {
    @Test
    void theLimitIsTheOneTheJvmReports() throws IOException {
        long jvm = ((UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getMaxFileDescriptorCount();
        assertThat(FileDescriptors.soft(Files.readAllLines(Path.of("/proc/self/limits")))).as("read from /proc").isEqualTo(jvm);
        assertThat(FileDescriptors.read()).isEqualTo(jvm);
        assertThat(FileDescriptors.limit()).isEqualTo(jvm);
        assertThat(FileDescriptors.defaultMaxConnections()).isEqualTo(jvm <= 0 ? 0 : (int) Math.max(16, jvm / 2));
    }

    @Test
    void readsTheSoftLimitOfProcLimits() {
        String head = "Limit                     Soft Limit           Hard Limit           Units     ";
        assertThat(FileDescriptors.soft(List.of(head, "Max processes             63446                63446                processes ",
                "Max open files            40000                1048576              files     "))).isEqualTo(40_000L);
        assertThat(FileDescriptors.soft(List.of(head, "Max open files            unlimited            unlimited            files     ")))
                .isEqualTo(-1L);
        assertThat(FileDescriptors.soft(List.of(head, "Max processes             63446                63446                processes "))).isNull();
    }
}
