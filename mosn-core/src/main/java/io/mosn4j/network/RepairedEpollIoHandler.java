package io.mosn4j.network;

import io.mosn4j.loop.LoopThread;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.util.concurrent.ThreadAwareExecutor;

/**
 * Netty's epoll {@link IoHandler} with one repair. Netty 4.2.18 (still in 4.2.21) removes a socket
 * from the epoll set when its interest drops to none (not reading, nothing waiting to be written,
 * its input ended so no EPOLLRDHUP either) but keeps the registration marked as added: when interest
 * comes back (a write the socket cannot take at once, reading resumed) epoll_ctl(MOD) fails with
 * ENOENT and Netty closes the connection. A half-closed connection lost what was still to go to it:
 * through {@code tcp_proxy}, a client that sent FIN after its request got ~4 MiB of a larger answer.
 * Here such a registration is replaced by a fresh one when interest returns, which adds the socket
 * to the epoll set again.
 */
final class RepairedEpollIoHandler implements IoHandler {
    private final IoHandler epoll;
    private final ThreadAwareExecutor loop;

    private RepairedEpollIoHandler(IoHandler epoll, ThreadAwareExecutor loop) {
        this.epoll = epoll;
        this.loop = loop;
    }

    static IoHandlerFactory newFactory() {
        IoHandlerFactory netty = EpollIoHandler.newFactory();
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                return new RepairedEpollIoHandler(netty.newHandler(executor), executor);
            }

            @Override
            public boolean isChangingThreadSupported() {
                return netty.isChangingThreadSupported();
            }
        };
    }

    @Override
    public void initialize() {
        epoll.initialize();
    }

    @Override
    public int run(IoHandlerContext context) {
        if (Thread.currentThread() instanceof LoopThread t) {
            t.newTurn(); // the wait for I/O is next: what the turn then does reads the clock afresh
            t.beginIo();
            try {
                return epoll.run(context);
            } finally {
                t.endIo(); // the flushes the ready connections asked for
            }
        }
        return epoll.run(context);
    }

    @Override
    public void prepareToDestroy() {
        epoll.prepareToDestroy();
    }

    @Override
    public void destroy() {
        epoll.destroy();
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        return new Registration(handle, epoll.register(handle));
    }

    @Override
    public void wakeup() {
        epoll.wakeup();
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return epoll.isCompatible(handleType);
    }

    /** One socket's registration; a new one of Netty's after its interest went to none. */
    private final class Registration implements IoRegistration {
        private final IoHandle handle;
        private IoRegistration current;
        /** Interest went to none: Netty took the socket out of the epoll set. */
        private boolean removed;

        Registration(IoHandle handle, IoRegistration current) {
            this.handle = handle;
            this.current = current;
        }

        @Override
        public synchronized long submit(IoOps ops) {
            boolean none = ((EpollIoOps) ops).value() == EpollIoOps.NONE.value();
            if (removed && !none && current.isValid()) {
                if (!loop.isExecutorThread(Thread.currentThread())) {
                    loop.execute(() -> submit(ops)); // registering touches the loop's own tables
                    return ((EpollIoOps) ops).value();
                }
                // cancel first: it forgets the socket's number, which the new registration then takes
                current.cancel();
                try {
                    current = epoll.register(handle);
                } catch (Exception e) {
                    throw new IllegalStateException("epoll: cannot register " + handle + " again", e);
                }
                removed = false;
            }
            long result = current.submit(ops);
            if (none) {
                removed = true;
            }
            return result;
        }

        @Override
        public <T> T attachment() {
            return current.attachment();
        }

        @Override
        public synchronized boolean isValid() {
            return current.isValid();
        }

        @Override
        public synchronized boolean cancel() {
            return current.cancel();
        }
    }
}
