package io.mosn4j.api.filter;

/** What a {@link StreamFilterFactory}'s creator adds one stream's filters to. */
public interface StreamFilterChain {
    void addReceiverFilter(StreamReceiverFilter filter, ReceiverPhase phase);

    void addSenderFilter(StreamSenderFilter filter);

    /** Adds a filter that sees both directions, the request in {@code phase}. */
    default <F extends StreamReceiverFilter & StreamSenderFilter> void addFilter(F filter, ReceiverPhase phase) {
        addReceiverFilter(filter, phase);
        addSenderFilter(filter);
    }
}
