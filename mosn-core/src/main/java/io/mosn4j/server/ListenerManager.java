package io.mosn4j.server;

import io.mosn4j.config.JsonConfigValue;
import io.mosn4j.config.ListenerConfig;
import io.mosn4j.network.Transport;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of the running proxy by name (MOSN's listener adapter): added, updated in place
 * (new connections get the new config, old ones drain) and removed (stop accepting, drain, close)
 * while the proxy runs. Changes are serialized; call them off the event loops.
 */
final class ListenerManager {
    private static final Logger log = LoggerFactory.getLogger(ListenerManager.class);

    private final ListenerBuilder builder;
    private final Transport transport;
    private final EventLoopGroup workers;
    private final Duration grace;
    private final AcceptGate.Shared admission;
    private final Map<String, Listener> byName = new LinkedHashMap<>();
    /** The listeners {@code POST /drain_listeners} stopped; one added or moved later is not bound either (as Envoy). */
    private Predicate<ListenerConfig> stopped = c -> false;
    /** The listeners a drain already took (a second drain leaves them be). */
    private final java.util.Set<Listener> drained = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    /** {@code admission}: the server's connection limit and accept counters, shared by every listener. */
    ListenerManager(ListenerBuilder builder, Transport transport, EventLoopGroup workers, Duration grace,
                    AcceptGate.Shared admission) {
        this.builder = builder;
        this.transport = transport;
        this.workers = workers;
        this.grace = grace;
        this.admission = admission;
    }

    /**
     * Adds the listener of {@code config}'s name, or replaces its config: the same address keeps
     * its socket and drains only the old connections; a new address binds first, then the old
     * listener stops and drains.
     *
     * @throws io.mosn4j.api.config.ConfigException before anything changed, naming the bad field
     */
    synchronized void addOrUpdate(ListenerConfig config, JsonConfigValue raw) {
        ListenerChains chains = builder.build(config, raw);
        Listener existing = byName.get(config.name());
        if (existing != null && existing.config().address().equals(config.address())
                && existing.config().bindPort().equals(config.bindPort())) {
            existing.update(chains);
            log.info("listener {} updated: new connections get the new config, {} open ones drain", config.name(), existing.connections());
            return;
        }
        Listener l = new Listener(chains, grace);
        if (stopped.test(config)) {
            log.info("listener {}: not bound, its listeners were drained (POST /drain_listeners)", config.name());
        } else if (config.bindPort()) {
            l.bind(transport, workers, raw.path(), admission);
        }
        if (existing != null) {
            retire(existing);
        }
        byName.put(config.name(), l);
        log.info("listener {} on {} ({}) serving {}", config.name(), l.boundAddress(), transport.name(),
                config.bindPort() ? describe(chains) : "nothing (bind_port false)");
    }

    /** Stops the listener: no new connections, the open ones drain and close. False when there is none. */
    synchronized boolean remove(String name) {
        Listener l = byName.remove(name);
        if (l == null) {
            return false;
        }
        retire(l);
        log.info("listener {} removed: {} connections drain", name, l.connections());
        return true;
    }

    /**
     * A listener leaves: it stops accepting, its connections drain (codecs close them once their
     * requests are done), and whatever is still open when the grace period ends (a relayed TCP
     * connection) is closed.
     */
    private void retire(Listener l) {
        l.unbind();
        l.drain();
        Thread.ofVirtual().name("mosn-drain-" + l.name()).start(() -> {
            long deadline = System.nanoTime() + grace.toNanos();
            while (l.connections() > 0 && System.nanoTime() - deadline < 0) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (l.connections() > 0) {
                log.info("listener {}: grace period over; closing its {} remaining connections", l.name(), l.connections());
            }
            l.closeConnections();
        });
    }

    /**
     * Envoy's {@code POST /drain_listeners}: the listeners {@code which} selects drain. At once, or
     * with {@code graceful} after the grace period (they accept new connections until then), they
     * stop accepting; their open connections are asked to drain at once (idle ones close, a request
     * in flight is answered with {@code Connection: close} or an HTTP/2 GOAWAY) and what is left when
     * the grace period after the stop ends is closed. They stay configured, and one added later that
     * {@code which} selects is not bound. Returns the names drained.
     */
    synchronized List<String> drain(Predicate<ListenerConfig> which, boolean graceful) {
        stopped = stopped.or(which);
        List<String> names = new ArrayList<>();
        for (Listener l : byName.values()) {
            if (!which.test(l.config()) || !drained.add(l)) {
                continue;
            }
            names.add(l.name());
            if (!graceful) {
                retire(l);
                continue;
            }
            l.drain();
            Thread.ofVirtual().name("mosn-drain-" + l.name()).start(() -> {
                sleep(grace);
                log.info("listener {}: drain period over; it stops accepting", l.name());
                retire(l);
            });
        }
        return names;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    synchronized Listener get(String name) {
        return byName.get(name);
    }

    synchronized List<Listener> all() {
        return new ArrayList<>(byName.values());
    }

    synchronized long activeStreams() {
        long n = 0;
        for (Listener l : byName.values()) {
            n += l.activeStreams();
        }
        return n;
    }

    /**
     * Shutdown: stop accepting everywhere, ask every connection to drain, wait for the requests in
     * flight (up to the grace period), then close what is left. Blocks; call off the event loops.
     */
    void shutdown() {
        List<Listener> ls = all();
        ls.forEach(Listener::unbind);
        long inFlight = ls.stream().mapToLong(Listener::activeStreams).sum();
        log.info("draining: listeners closed, {} requests in flight, waiting up to {}", inFlight, io.mosn4j.config.GoDuration.format(grace));
        ls.forEach(Listener::drain);
        if (!awaitStreams(ls, grace)) {
            log.warn("graceful_timeout {} passed with {} requests in flight; closing them", io.mosn4j.config.GoDuration.format(grace),
                    ls.stream().mapToLong(Listener::activeStreams).sum());
        }
        ls.forEach(Listener::closeConnections);
    }

    /** Waits until the listeners have no request in flight; false when {@code limit} passed first. */
    private static boolean awaitStreams(List<Listener> ls, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (ls.stream().mapToLong(Listener::activeStreams).sum() > 0) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private static String describe(ListenerChains chains) {
        List<String> parts = new ArrayList<>();
        for (ListenerChains.Chain c : chains.chains()) {
            List<String> fs = new ArrayList<>();
            if (c.tls() != null) {
                fs.add(String.valueOf(c.tls()));
            }
            c.filters().forEach(f -> fs.add(String.valueOf(f)));
            parts.add(String.join(" + ", fs));
        }
        return String.join("; ", parts);
    }
}
