package io.mosn4j.it;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The interfaces {@link DubboProxyTest}'s Dubbo providers export and its consumers call (public:
 * Dubbo builds proxies for them), and the one implementation of {@link Echo}, which says which
 * provider answered.
 */
public final class DubboServices {
    private DubboServices() {}

    /** Keys of the {@link Echo#held} calls that reached a provider. */
    static final Set<String> HELD_ARRIVED = ConcurrentHashMap.newKeySet();
    private static final Map<String, CountDownLatch> HELD_GATES = new ConcurrentHashMap<>();

    /** Lets the {@link Echo#held} call of {@code key} answer. */
    static void release(String key) {
        gate(key).countDown();
    }

    private static CountDownLatch gate(String key) {
        return HELD_GATES.computeIfAbsent(key, k -> new CountDownLatch(1));
    }

    public interface Echo {
        /** {@code NAME:s}, NAME being the provider's. */
        String echo(String s);

        int add(int a, int b);

        /** Sleeps {@code millis}, then answers {@code NAME:slept MILLIS}. */
        String slow(int millis);

        /** The provider's name. */
        String who();

        /** Answers {@code NAME:held KEY} once the test calls {@link DubboServices#release} (at most 30 s). */
        String held(String key);

        /** {@link #echo} as a Dubbo async method (the consumer does not block on it). */
        CompletableFuture<String> echoFuture(String s);
    }

    public interface Calc {
        long multiply(long a, long b);
    }

    /** Exported nowhere and matched by no route. */
    public interface Unrouted {
        String ping();
    }

    static final class EchoImpl implements Echo {
        private final String name;

        EchoImpl(String name) {
            this.name = name;
        }

        @Override
        public String echo(String s) {
            return name + ":" + s;
        }

        @Override
        public int add(int a, int b) {
            return a + b;
        }

        @Override
        public String slow(int millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return name + ":slept " + millis;
        }

        @Override
        public String who() {
            return name;
        }

        @Override
        public String held(String key) {
            HELD_ARRIVED.add(key);
            try {
                gate(key).await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return name + ":held " + key;
        }

        @Override
        public CompletableFuture<String> echoFuture(String s) {
            return CompletableFuture.completedFuture(echo(s));
        }
    }

    static final class CalcImpl implements Calc {
        @Override
        public long multiply(long a, long b) {
            return a * b;
        }
    }
}
