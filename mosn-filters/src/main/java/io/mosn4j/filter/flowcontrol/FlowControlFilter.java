package io.mosn4j.filter.flowcontrol;

import com.alibaba.csp.sentinel.AsyncEntry;
import com.alibaba.csp.sentinel.EntryType;
import com.alibaba.csp.sentinel.SphU;
import com.alibaba.csp.sentinel.slots.block.BlockException;
import io.mosn4j.api.filter.FilterStatus;
import io.mosn4j.api.filter.ReceiverFilterCallbacks;
import io.mosn4j.api.filter.StreamReceiverFilter;
import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stream.Headers;
import io.mosn4j.api.stream.LocalReply;
import io.mosn4j.api.stream.ResponseFlag;
import java.util.Set;

/**
 * One request's pass through Sentinel, after routing: the request's resource (by
 * {@code limit_key_type}) is entered when a rule names it; a block answers the configured action,
 * or, in monitor mode, is only counted. The entry is left when the stream ends however it ends
 * ({@link #onDestroy}), so a concurrency limit frees its slot on completion and on reset alike.
 *
 * <p>Sentinel's asynchronous entries are used: an event loop interleaves many streams, and a
 * synchronous entry belongs to its thread's call stack, which these streams do not share.
 */
final class FlowControlFilter implements StreamReceiverFilter {

    /** What every stream of one filter config shares: parsed once. */
    record Shared(FlowControlConfig config, Set<String> resources, EntryType entryType, Counter blocked, Counter monitored) {}

    private final Shared shared;
    private ReceiverFilterCallbacks callbacks;
    private AsyncEntry entry;

    FlowControlFilter(Shared shared) {
        this.shared = shared;
    }

    @Override
    public void setReceiverCallbacks(ReceiverFilterCallbacks callbacks) {
        this.callbacks = callbacks;
    }

    @Override
    public FilterStatus onRequestHeaders(Headers headers, boolean endStream) {
        String resource = shared.config().keyType().resource(headers);
        // only resources a rule names: a client choosing paths must not grow Sentinel's per-resource state
        if (resource == null || !shared.resources().contains(resource)) {
            return FilterStatus.CONTINUE;
        }
        try {
            entry = SphU.asyncEntry(resource, shared.entryType());
            return FilterStatus.CONTINUE;
        } catch (BlockException e) {
            if (shared.config().monitor()) {
                shared.monitored().inc();
                return FilterStatus.CONTINUE;
            }
            shared.blocked().inc();
            callbacks.requestInfo().setResponseFlag(ResponseFlag.RATE_LIMITED);
            callbacks.sendLocalReply(LocalReply.direct(shared.config().status(), shared.config().body()));
            return FilterStatus.STOP;
        }
    }

    @Override
    public void onDestroy() {
        AsyncEntry e = entry;
        if (e != null) {
            entry = null;
            e.exit();
        }
    }
}
