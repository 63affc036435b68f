package io.mosn4j.proxy;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The request timeouts of one downstream connection, on its event loop. One scheduled task serves
 * all the connection's streams and is moved only when a nearer deadline arrives or it fires: on a
 * busy keep-alive connection every request has about the same deadline, so arming one costs a list
 * add and a clock read instead of a scheduled-task heap insert and removal per request.
 */
final class StreamTimeouts implements Runnable {

    /** A stream whose deadline passed. */
    interface Expiry {
        void onTimeout();
    }

    private final EventLoop loop;
    private final ArrayList<Expiry> streams = new ArrayList<>(2);
    private final ArrayList<Long> deadlines = new ArrayList<>(2);
    private ScheduledFuture<?> task;
    private long taskAt;

    StreamTimeouts(EventLoop loop) {
        this.loop = loop;
    }

    void arm(Expiry stream, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        streams.add(stream);
        deadlines.add(deadline);
        if (task == null || deadline < taskAt) {
            if (task != null) {
                task.cancel(false);
            }
            schedule(deadline);
        }
    }

    void disarm(Expiry stream) {
        int i = streams.indexOf(stream);
        if (i >= 0) {
            streams.remove(i);
            deadlines.remove(i);
        }
    }

    @Override
    public void run() {
        task = null;
        long now = System.nanoTime();
        long next = Long.MAX_VALUE;
        for (int i = 0; i < streams.size(); ) {
            long d = deadlines.get(i);
            if (d - now <= 0) {
                Expiry s = streams.remove(i);
                deadlines.remove(i);
                s.onTimeout(); // may disarm others; indexes stay valid as we do not advance
            } else {
                next = Math.min(next, d);
                i++;
            }
        }
        if (task == null && !streams.isEmpty()) {
            schedule(next);
        }
    }

    private void schedule(long deadline) {
        taskAt = deadline;
        task = loop.schedule(this, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }
}
