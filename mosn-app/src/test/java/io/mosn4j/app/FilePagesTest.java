package io.mosn4j.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilePagesTest {
    private static final int PROT_READ = 1;
    private static MethodHandle madvise;
    private static long pageSize;

    @BeforeAll
    static void nativeCalls() throws Throwable {
        assumeTrue(Files.isReadable(Path.of("/proc/self/pagemap")), "Linux's /proc");
        madvise = FilePages.madvise();
        pageSize = FilePages.pageSize();
    }

    @Test
    void residentPagesOfTheFileAreGivenUpAndReadBackWhileCopiedPagesStay(@TempDir Path tmp) throws Throwable {
        int pages = 5000; // more than a batch of pagemap entries (4096)
        int size = (int) (pages * pageSize);
        byte[] content = new byte[size];
        for (int i = 0; i < size; i++) {
            content[i] = (byte) (i * 31 + (i >>> 12));
        }
        Path file = Files.write(tmp.resolve("pages.bin"), content).toRealPath();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer shared = ch.map(FileChannel.MapMode.READ_ONLY, 0, size); // r--s
            MappedByteBuffer copied = ch.map(FileChannel.MapMode.PRIVATE, 0, size); // rw-p, made r--p below
            int[] written = {0, 4095, 4096}; // a copied page on each side of a batch's end
            byte[] expected = content.clone();
            for (int page : written) {
                int at = (int) (page * pageSize);
                expected[at] = (byte) ~content[at];
                copied.put(at, expected[at]); // this page is now the process's own copy
            }
            touch(shared, size);
            touch(copied, size);
            long copiedAt = MemorySegment.ofBuffer(copied).address(), sharedAt = MemorySegment.ofBuffer(shared).address();
            // read-only, as a library's relocated data is once the loader is done with it
            assertThat(mprotect(copiedAt, size, PROT_READ)).isZero();
            assertThat(rssKiB(sharedAt)).isEqualTo(size / 1024);
            assertThat(rssKiB(copiedAt)).isEqualTo(size / 1024);

            long released = FilePages.release(madvise, pageSize, file.toString()::equals);

            assertThat(released).as("bytes released").isEqualTo(2L * size - written.length * pageSize);
            assertThat(rssKiB(sharedAt)).isZero();
            assertThat(rssKiB(copiedAt)).as("the copied pages only").isEqualTo(written.length * pageSize / 1024);
            assertThat(contents(copied, size)).isEqualTo(expected); // the copies as written, the rest read back from the file
            assertThat(contents(shared, size)).isEqualTo(content);

            // and again: a later pass gives up what was read back since
            assertThat(rssKiB(sharedAt)).isEqualTo(size / 1024);
            assertThat(FilePages.release(madvise, pageSize, file.toString()::equals)).isEqualTo(2L * size - written.length * pageSize);
            assertThat(rssKiB(sharedAt)).isZero();
            assertThat(contents(copied, size)).isEqualTo(expected);
        }
    }

    @Test
    void theJvmLibrarysRelocatedDataStaysAndTheJvmRunsOn() throws Throwable {
        assertThat(FilePages.jvmFiles()).anyMatch(f -> f.endsWith("/lib/server/libjvm.so")).anyMatch(f -> f.endsWith("/lib/modules"))
                .anyMatch(f -> f.endsWith("/libc.so.6")).allMatch(f -> !f.contains("libnetty") && !f.endsWith(".aot") && !f.endsWith(".jsa"));
        List<Long> relocated = jvmLibraryCopiedPagesKiB();
        assertThat(relocated).as("libjvm.so's read-only mappings with copied pages").isNotEmpty();

        long released = FilePages.release(madvise, pageSize, FilePages.jvmFiles()::contains);

        assertThat(released).isGreaterThan(0);
        assertThat(jvmLibraryCopiedPagesKiB()).isEqualTo(relocated);
        // the JVM reads its library back as it needs: class loading, reflection, a collection
        assertThat(Class.forName("java.util.concurrent.ConcurrentSkipListMap").getDeclaredMethods()).isNotEmpty();
        System.gc();
    }

    private static volatile long sink;

    /** Reads a byte of every page, so that each is resident. */
    private static void touch(MappedByteBuffer b, int size) {
        long sum = 0;
        for (int i = 0; i < size; i += (int) pageSize) {
            sum += b.get(i);
        }
        sink = sum;
    }

    private static byte[] contents(MappedByteBuffer b, int size) {
        byte[] out = new byte[size];
        b.get(0, out);
        return out;
    }

    private static int mprotect(long address, long length, int prot) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle mprotect = linker.downcallHandle(linker.defaultLookup().find("mprotect").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        return (int) mprotect.invokeExact(MemorySegment.ofAddress(address), length, prot);
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
        List<Long> kib = new ArrayList<>();
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
