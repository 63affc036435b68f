package io.mosn4j.example;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverFilterCallbacks;
import io.mosn4j.api.filter.ReceiverPhase;
import io.mosn4j.api.filter.StreamFilterFactory;
import io.mosn4j.api.filter.StreamReceiverFilter;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * {@code example_async_check}: asks something slow (here, a decision made {@code delay} later on
 * another thread, as a remote authorization service would answer) whether a request may pass, and
 * holds the request meanwhile without holding the event loop. A request carrying
 * {@code deny_header} is refused with a 403. Config: {@code {"deny_header": "x-deny", "delay": "2ms"}}.
 */
public final class AsyncCheckFilter implements StreamReceiverFilter {
    private final String denyHeader;
    private final Executor later;
    private ReceiverFilterCallbacks callbacks;

    AsyncCheckFilter(String denyHeader, Executor later) {
        this.denyHeader = denyHeader;
        this.later = later;
    }

    @Override
    public void setReceiverCallbacks(ReceiverFilterCallbacks callbacks) {
        this.callbacks = callbacks;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endStream) {
        boolean deny = headers.get(denyHeader) != null; // read on the loop; the "service" sees a copy of what it needs
        CompletableFuture<Void> decision = CompletableFuture.runAsync(() -> {
            if (deny) {
                callbacks.sendLocalReply(LocalReply.error(403, "denied by example_async_check")); // from this thread: hops to the loop
            }
        }, later);
        return callbacks.stopUntil(decision);
    }

    /** Registered as {@code example_async_check}. */
    public static final class Factory implements StreamFilterFactory {
        @Override
        public String name() {
            return "example_async_check";
        }

        @Override
        public Creator create(ConfigValue config) {
            String header = config.get("deny_header").asText("x-deny");
            Duration delay = config.get("delay").isMissing() ? Duration.ofMillis(1) : config.get("delay").as(Duration.class);
            if (delay.isNegative()) {
                throw config.error("delay", "must not be negative");
            }
            Executor later = CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS);
            return chain -> chain.addReceiverFilter(new AsyncCheckFilter(header, later), ReceiverPhase.BEFORE_ROUTE);
        }
    }
}
