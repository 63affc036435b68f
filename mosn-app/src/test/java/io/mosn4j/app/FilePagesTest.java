package io.mosn4j.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilePagesTest {
    private static final int SIZE = 4 << 20;

    @Test
    void readOnlyFilePagesAreGivenUpAndReadBackWhilePagesWrittenStay(@TempDir Path tmp) throws Throwable {
        assumeTrue(Files.isReadable(Path.of("/proc/self/pagemap")), "Linux's /proc");
        Path file = tmp.resolve("pages.bin");
        byte[] content = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            content[i] = (byte) (i * 31 + (i >>> 12));
        }
        Files.write(file, content);
        MethodHandle madvise = FilePages.madvise();
        long pageSize = FilePages.pageSize();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer readOnly = ch.map(FileChannel.MapMode.READ_ONLY, 0, SIZE); // r--s
            MappedByteBuffer copied = ch.map(FileChannel.MapMode.PRIVATE, 0, SIZE); // rw-p: each page written is the process's own copy
            long sum = 0;
            for (int i = 0; i < SIZE; i += (int) pageSize) {
                sum += readOnly.get(i);
                copied.put(i, (byte) (content[i] + 1));
            }
            long readOnlyAt = MemorySegment.ofBuffer(readOnly).address(), copiedAt = MemorySegment.ofBuffer(copied).address();
            assertThat(rssKiB(readOnlyAt)).as("the read-only mapping's pages, touched").isGreaterThanOrEqualTo(SIZE / 1024 - 64);
            List<Long> jvmCopiedPages = jvmLibraryCopiedPagesKiB();

            long released = FilePages.release(madvise, pageSize);

            assertThat(released).isGreaterThanOrEqualTo(SIZE);
            assertThat(rssKiB(readOnlyAt)).as("the read-only mapping after the release").isLessThan(64);
            // the pages this process wrote are kept, in the writable mapping and in the JVM library's read-only
            // (relocated) data alike: giving either up would read the file's bytes back in place of what was written
            assertThat(rssKiB(copiedAt)).isGreaterThanOrEqualTo(SIZE / 1024 - 64);
            assertThat(jvmLibraryCopiedPagesKiB()).isEqualTo(jvmCopiedPages).isNotEmpty();
            long sumAgain = 0;
            for (int i = 0; i < SIZE; i++) {
                assertThat(copied.get(i)).isEqualTo(i % pageSize == 0 ? (byte) (content[i] + 1) : content[i]);
                assertThat(readOnly.get(i)).isEqualTo(content[i]); // read back from the file's pages
                if (i % pageSize == 0) {
                    sumAgain += readOnly.get(i);
                }
            }
            assertThat(sumAgain).isEqualTo(sum);
        }
    }

    /** Rss of the mapping that starts at {@code address}, from /proc/self/smaps. */
    private static long rssKiB(long address) throws Exception {
        String start = Long.toHexString(address) + "-";
        boolean in = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            if (line.split("\\s+")[0].matches("[0-9a-f]+-[0-9a-f]+")) {
                in = line.startsWith(start);
            } else if (in && line.startsWith("Rss:")) {
                return Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
            }
        }
        throw new AssertionError("no mapping at " + start);
    }

    /** The Anonymous figure of each read-only mapping of libjvm.so that has copied pages (its relocated data). */
    private static List<Long> jvmLibraryCopiedPagesKiB() throws Exception {
        List<Long> kib = new java.util.ArrayList<>();
        boolean in = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            String[] f = line.split("\\s+");
            if (f.length >= 6 && f[0].matches("[0-9a-f]+-[0-9a-f]+")) {
                in = f[5].endsWith("/libjvm.so") && f[1].charAt(1) != 'w';
            } else if (in && line.startsWith("Anonymous:") && !f[1].equals("0")) {
                kib.add(Long.parseLong(f[1]));
            }
        }
        return kib;
    }
}
