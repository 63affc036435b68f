package io.mosn4j.api.upstream;

/**
 * A request waiting in a connection pool for a connection, for pool implementations: counted
 * against the cluster's {@code max_pending_requests} from creation until it is served, failed or
 * cancelled, whichever comes first (each releases the budget once). Used on the pool's event loop.
 */
public class PendingRequest implements Cancellable {
    private final PoolCallback callback;
    private final ResourceLimit budget;
    private boolean cancelled;
    private boolean taken;

    /** Call only after {@code budget.tryAcquire()} succeeded for it. */
    public PendingRequest(PoolCallback callback, ResourceLimit budget) {
        this.callback = callback;
        this.budget = budget;
    }

    /** The callback, once claimed with {@link #take()}. */
    public PoolCallback callback() {
        return callback;
    }

    /** Claims the request for an answer; false when it was cancelled or answered already. */
    public boolean take() {
        if (cancelled || taken) {
            return false;
        }
        taken = true;
        budget.release();
        return true;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** Neither answered nor cancelled yet. */
    public boolean isWaiting() {
        return !cancelled && !taken;
    }

    @Override
    public void cancel() {
        if (!cancelled && !taken) {
            cancelled = true;
            budget.release();
            onCancel();
        }
    }

    /** What the pool does when its requester gives up (drop it from a queue); nothing by default. */
    protected void onCancel() {}
}
