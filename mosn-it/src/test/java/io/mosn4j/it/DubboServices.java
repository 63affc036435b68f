package io.mosn4j.it;

import java.util.concurrent.CompletableFuture;

/**
 * The interfaces {@link DubboProxyTest}'s Dubbo providers export and its consumers call (public:
 * Dubbo builds proxies for them), and the one implementation of {@link Echo}, which says which
 * provider answered.
 */
public final class DubboServices {
    private DubboServices() {}

    public interface Echo {
        /** {@code NAME:s}, NAME being the provider's. */
        String echo(String s);

        int add(int a, int b);

        /** Sleeps {@code millis}, then answers {@code NAME:slept MILLIS}. */
        String slow(int millis);

        /** The provider's name. */
        String who();

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
