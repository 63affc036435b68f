package io.mosn4j.upstream;

import io.mosn4j.api.config.ConfigValue;
import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.config.ConfigLoader;
import io.mosn4j.config.HealthCheckConfig;
import io.mosn4j.network.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster's active health check ({@code health_check}), as MOSN runs it: every host is checked
 * every {@code interval} plus a random part of {@code interval_jitter}, first after
 * {@code initial_delay_seconds}; a check that has not passed within {@code timeout} fails. A TCP
 * check passes when the connection opens; an HTTP check ({@code protocol: "Http1"} with
 * {@code check_config.http_check_config}) sends one request and passes on an expected status.
 * {@code unhealthy_threshold} failures in a row take a host out of rotation, {@code
 * healthy_threshold} passes in a row bring it back. Checks run on the worker event loops with
 * Netty's non-blocking connects; each host's checks stay on one loop.
 *
 * <p>Counted as {@code cluster.NAME.health_check.attempt}, {@code .success}, {@code .failure}
 * ({@code .active_failure}: the check said no; {@code .network_failure}: it timed out), MOSN's
 * names. With {@code event_log_path}, every result is appended there in MOSN's format.
 */
final class HealthChecker {
    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    /** What a {@code health_check} asks for, checked at load. */
    record Spec(HealthCheckConfig config, HealthCheckConfig.HttpCheck http) {
        /** Reads {@code health_check} of a cluster found at {@code raw}; refuses what is wrong, warns about what is ignored. */
        static Spec parse(HealthCheckConfig config, ConfigValue raw) {
            ConfigValue hc = raw.get("health_check");
            HealthCheckConfig.HttpCheck http = null;
            if (config.http()) {
                ConfigValue check = hc.get("check_config").get("http_check_config");
                http = check.isMissing() ? null : ConfigLoader.convert(((io.mosn4j.config.JsonConfigValue) check).node(),
                        HealthCheckConfig.HttpCheck.class, check.path());
                if (http == null) {
                    hc.warn("check_config", "an Http1 health check needs check_config.http_check_config; TCP connect checks "
                            + "are used instead, as in MOSN");
                }
            } else if (!config.protocol().isEmpty() && !config.protocol().equalsIgnoreCase("tcp")) {
                hc.warn("protocol", "no health check session for protocol \"" + config.protocol()
                        + "\"; TCP connect checks are used, as in MOSN");
            }
            if (!config.commonCallbacks().isEmpty()) {
                hc.warn("common_callbacks", "MOSN's registered health-check callbacks do not exist in mosn4j; ignored");
            }
            return new Spec(config, http);
        }
    }

    private final String cluster;
    private final Spec spec;
    private final List<EventLoop> loops;
    private final Transport transport;
    private final HealthLog healthLog;
    private final Counter attempts;
    private final Counter successes;
    private final Counter failures;
    private final Counter activeFailures;
    private final Counter networkFailures;
    private final Map<Host, Session> sessions = new HashMap<>();
    private int nextLoop;
    private volatile boolean stopped;

    HealthChecker(String cluster, Spec spec, List<EventLoop> loops, Transport transport, Stats stats, ExecutorService logWriter) {
        this.cluster = cluster;
        this.spec = spec;
        this.loops = loops;
        this.transport = transport;
        String p = "cluster." + cluster + ".health_check.";
        // mosn4j's counters by name, and MOSN's healthcheck{service=<cluster>} group (Prometheus: healthcheck_attempt{service="c"})
        var mosn = stats.scope("healthcheck", java.util.Map.of("service", cluster));
        this.attempts = io.mosn4j.stats.UpstreamMetrics.both(stats.counter(p + "attempt"), mosn.counter("attempt"));
        this.successes = io.mosn4j.stats.UpstreamMetrics.both(stats.counter(p + "success"), mosn.counter("success"));
        this.failures = io.mosn4j.stats.UpstreamMetrics.both(stats.counter(p + "failure"), mosn.counter("failure"));
        this.activeFailures = io.mosn4j.stats.UpstreamMetrics.both(stats.counter(p + "active_failure"), mosn.counter("active_failure"));
        this.networkFailures = io.mosn4j.stats.UpstreamMetrics.both(stats.counter(p + "network_failure"), mosn.counter("network_failure"));
        String path = spec.config().eventLogPath();
        this.healthLog = path == null || path.isBlank() ? null : new HealthLog(Path.of(path), logWriter);
    }

    Spec spec() {
        return spec;
    }

    /** The cluster's hosts now: checks start for new ones and stop for those gone. Serialized by the caller. */
    synchronized void setHosts(List<Host> hosts) {
        if (stopped) {
            return;
        }
        Map<Host, Boolean> keep = new java.util.IdentityHashMap<>();
        for (Host h : hosts) {
            keep.put(h, true);
            if (!sessions.containsKey(h)) {
                Session s = new Session(h, loops.get(nextLoop++ % loops.size()));
                sessions.put(h, s);
                s.start();
            }
        }
        for (var it = sessions.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!keep.containsKey(e.getKey())) {
                e.getValue().stop(false); // gone from the cluster: its health no longer matters
                it.remove();
            }
        }
    }

    /** No more checks; hosts this checker took out of rotation come back (nothing checks them any more). */
    synchronized void stop() {
        stopped = true;
        sessions.values().forEach(s -> s.stop(true));
        sessions.clear();
    }

    /** One host's checks, all on one event loop. */
    private final class Session {
        private final Host host;
        private final EventLoop loop;
        private int passes;
        private int fails;
        private ScheduledFuture<?> next;
        private Check current;
        private boolean done;

        Session(Host host, EventLoop loop) {
            this.host = host;
            this.loop = loop;
        }

        void start() {
            loop.execute(() -> schedule(spec.config().initialDelaySeconds().toNanos()));
        }

        void stop(boolean restore) {
            loop.execute(() -> {
                done = true;
                if (next != null) {
                    next.cancel(false);
                }
                if (current != null) {
                    current.abandon();
                }
                if (restore) {
                    host.clearHealthFlag(Host.FAILED_ACTIVE_HC);
                }
            });
        }

        private void schedule(long delayNanos) {
            if (done) {
                return;
            }
            long jitter = spec.config().intervalJitter().toNanos();
            long extra = jitter > 0 ? ThreadLocalRandom.current().nextLong(jitter) : 0;
            next = loop.schedule(this::check, delayNanos + extra, TimeUnit.NANOSECONDS);
        }

        private void check() {
            if (done) {
                return;
            }
            attempts.inc();
            current = new Check(this);
            current.run();
        }

        /** The check's outcome, on the loop; {@code timedOut}: no answer within {@code timeout}. */
        void result(Check c, boolean pass, boolean timedOut, String why) {
            if (c != current || done) {
                return;
            }
            current = null;
            boolean changed = false;
            if (pass) {
                successes.inc();
                fails = 0;
                if (host.hasHealthFlag(Host.FAILED_ACTIVE_HC) && ++passes >= spec.config().healthyThreshold()) {
                    passes = 0;
                    changed = host.clearHealthFlag(Host.FAILED_ACTIVE_HC);
                    if (changed) {
                        log.info("cluster {}: host {} is healthy again (health check)", cluster, host.address());
                    }
                }
            } else {
                failures.inc();
                (timedOut ? networkFailures : activeFailures).inc();
                passes = 0;
                if (!host.hasHealthFlag(Host.FAILED_ACTIVE_HC) && ++fails >= spec.config().unhealthyThreshold()) {
                    fails = 0;
                    changed = host.setHealthFlag(Host.FAILED_ACTIVE_HC);
                    if (changed || !host.healthy()) {
                        log.info("cluster {}: host {} is unhealthy (health check: {})", cluster, host.address(), why);
                    }
                }
            }
            if (healthLog != null) {
                healthLog.write(host, pass, changed);
            }
            schedule(spec.config().interval().toNanos());
        }
    }

    /** One check of one host: a TCP connect, or an HTTP request and its status. */
    private final class Check extends ChannelInboundHandlerAdapter {
        private final Session session;
        private Channel channel;
        private ScheduledFuture<?> timeout;
        private boolean over;

        Check(Session session) {
            this.session = session;
        }

        void run() {
            EventLoop loop = session.loop;
            long timeoutNanos = spec.config().timeout().toNanos();
            timeout = loop.schedule(() -> finish(false, true, "no answer within " + spec.config().timeout()), timeoutNanos, TimeUnit.NANOSECONDS);
            InetSocketAddress target = session.host.socketAddress();
            HealthCheckConfig.HttpCheck http = spec.http();
            if (http != null && http.port() > 0) {
                target = new InetSocketAddress(target.getAddress(), http.port());
            }
            Bootstrap b = new Bootstrap().group(loop).channel(transport.socketChannel())
                    // TCP_NODELAY: Netty's default
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos)))
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (http != null) {
                                ch.pipeline().addLast(new HttpClientCodec(), Check.this);
                            }
                        }
                    });
            InetSocketAddress to = target;
            ChannelFuture f = b.connect(to);
            channel = f.channel();
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    finish(false, false, "connect failed: " + done.cause().getMessage());
                } else if (http == null) {
                    finish(true, false, null);
                } else if (!over) {
                    DefaultFullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(http.method()), http.path());
                    String authority = http.domain() != null && !http.domain().isBlank() ? http.domain()
                            : session.host.address();
                    req.headers().set(HttpHeaderNames.HOST, authority)
                            .set(HttpHeaderNames.USER_AGENT, "mosn4j-health-check")
                            .set(HttpHeaderNames.CONNECTION, "close")
                            .set(HttpHeaderNames.CONTENT_LENGTH, 0);
                    channel.writeAndFlush(req);
                }
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpResponse r) {
                    int status = r.status().code();
                    if (status >= 100 && status < 200) {
                        return; // 100 Continue: the real answer follows
                    }
                    boolean pass = !r.decoderResult().isFailure() && spec.http().passes(status);
                    finish(pass, false, pass ? null : "status " + status);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            finish(false, false, "closed before a response");
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finish(false, false, cause.toString());
        }

        /** Gives up without a result (the host left, or checks stopped). */
        void abandon() {
            over = true;
            if (timeout != null) {
                timeout.cancel(false);
            }
            if (channel != null) {
                channel.close();
            }
        }

        private void finish(boolean pass, boolean timedOut, String why) {
            if (over) {
                return;
            }
            over = true;
            if (timeout != null) {
                timeout.cancel(false);
            }
            if (channel != null) {
                channel.close();
            }
            session.result(this, pass, timedOut, why);
        }
    }

    /**
     * MOSN's health-check log: a line per result, {@code time:UNIX,host:ADDR,health_status:1,
     * current_result:1,status_changed:0}, appended by a writer thread so no event loop touches the disk.
     */
    private static final class HealthLog {
        private final Path file;
        private final ExecutorService writer;
        private boolean broken;

        HealthLog(Path file, ExecutorService writer) {
            this.file = file;
            this.writer = writer;
        }

        void write(Host host, boolean result, boolean changed) {
            String line = "time:" + (System.currentTimeMillis() / 1000) + ",host:" + host.address() + ",health_status:"
                    + (host.healthy() ? 1 : 0) + ",current_result:" + (result ? 1 : 0) + ",status_changed:" + (changed ? 1 : 0) + "\n";
            try {
                writer.execute(() -> append(line));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // shutting down
            }
        }

        private void append(String line) {
            if (broken) {
                return;
            }
            try {
                Path parent = file.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                    w.write(line);
                }
            } catch (IOException e) {
                broken = true;
                log.warn("health check log {}: cannot write ({}); no more lines go there", file, e.toString());
            }
        }
    }
}
