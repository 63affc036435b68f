package io.mosn4j.protocol.dubbo;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty's leak detector (paranoid in this build) reports a buffer that was
 * collected without being released: after the class, garbage is collected and the detector polled.
 */
final class LeakCheck implements BeforeAllCallback, AfterAllCallback {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    private static volatile boolean installed;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (!installed) {
            synchronized (LeakCheck.class) {
                if (!installed) {
                    Field f = Class.forName("io.netty.buffer.AbstractByteBuf").getDeclaredField("leakDetector");
                    f.setAccessible(true);
                    ((ResourceLeakDetector<?>) f.get(null))
                            .setLeakListener((type, records) -> LEAKS.add(type + "\n" + records));
                    installed = true;
                }
            }
        }
        LEAKS.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        for (int i = 0; i < 5 && LEAKS.isEmpty(); i++) {
            System.gc();
            Thread.sleep(50);
            for (int j = 0; j < 200; j++) { // the detector reports when it tracks a new buffer
                ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(8);
                b.release();
            }
        }
        if (!LEAKS.isEmpty()) {
            throw new AssertionError(LEAKS.size() + " leaked buffer(s) in " + context.getDisplayName() + ":\n"
                    + String.join("\n", LEAKS));
        }
    }
}
