package io.mosn4j.xds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.Code;
import com.google.rpc.Status;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.mosn4j.api.config.ConfigException;
import io.mosn4j.config.ConfigWarnings;
import io.mosn4j.config.GoDuration;
import io.mosn4j.config.JsonConfigValue;
import io.mosn4j.server.MosnServer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ADS stream, state of the world or delta (Envoy's xDS v3 protocol, the bootstrap's
 * {@code api_type}), feeding the running proxy's live
 * state. Resources are asked for in Envoy's order: clusters (CDS), then the endpoints of the EDS
 * clusters, then listeners (LDS) once the clusters are warm, then the route tables the listeners
 * name (RDS). Each response is answered: ACK with its version, or NACK with the last applied
 * version and an {@code error_detail} naming each bad resource and field; the valid resources of
 * a partly bad push are applied anyway, and what failed keeps its last good version. A resource a
 * later CDS/LDS push leaves out is removed; route tables and endpoints no listener or cluster
 * names any more are dropped and unsubscribed. A listener waits for its route tables (warming)
 * up to its {@code initial_fetch_timeout}. A stream that ends is reopened at once, with jittered
 * exponential backoff (0.5 s to 30 s, reset by a response).
 *
 * <p>Delta ({@code DELTA_GRPC}): the same order and the same handling of each resource; requests
 * subscribe and unsubscribe names (clusters and listeners are wildcard), a response carries only
 * what changed and names what was removed, each resource has its own version, and a new stream
 * tells the server every version it holds ({@code initial_resource_versions}). An ACK is the
 * response's nonce; a NACK adds {@code error_detail}. As in Envoy, a delta removal of a route table
 * or of endpoints is ignored (they go when no listener or cluster names them); a removed cluster or
 * listener is removed.
 *
 * <p>Threading: everything runs on one thread of its own ({@code mosn-xds}): gRPC hands responses
 * to it, and applying a change there waits for the event loops to take it — the loops never wait
 * for the control plane.
 */
public final class AdsClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("xds");
    static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
    static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
    static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
    static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
    static final String SDS = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";
    private static final long BACKOFF_BASE_MS = 500;
    private static final long BACKOFF_MAX_MS = 30_000;

    private final XdsBootstrap.Ads ads;
    private final Node node;
    private final MosnServer server;
    private final ScheduledExecutorService thread;
    private final ManagedChannel channel;
    private final MultiThreadIoEventLoopGroup udsGroup;

    /** Delta: per type, each resource's version as last accepted (sent back as initial_resource_versions on a new stream). */
    private final Map<String, Map<String, String>> resourceVersions = new HashMap<>();
    /** Delta: per type, the names this stream has subscribed (EDS, RDS). */
    private final Map<String, Set<String>> subscribed = new HashMap<>();
    /** Delta: the per-resource versions of the response being handled. */
    private Map<String, String> pushVersions = Map.of();
    /** The version of the response being handled (SotW's version_info, delta's system_version_info). */
    private String pushVersion = "";
    /** Per type: the version last applied (ACKed), the subscription (EDS, RDS), whether it was asked for. */
    private final Map<String, String> applied = new HashMap<>();
    /** Per type, the nonce of the latest response on this stream: every request names it (the server drops stale ones). */
    private final Map<String, String> nonces = new HashMap<>();
    private final Map<String, String> lastNacked = new HashMap<>();
    private final Map<String, Long> nackDelays = new HashMap<>();
    private final Set<String> edsNames = new TreeSet<>();
    private final Set<String> rdsNames = new TreeSet<>();
    /** SDS over ADS: the secrets the clusters and listeners name, those arrived, and who uses (or waits for) which. */
    private final Set<String> sdsNames = new TreeSet<>();
    private final Map<String, io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret> secrets = new HashMap<>();
    private final Map<String, Set<String>> clusterSecrets = new HashMap<>();
    private final Map<String, Set<String>> listenerSecrets = new HashMap<>();
    private final Set<String> awaitingSecrets = new TreeSet<>();
    private boolean ldsStarted;
    private ScheduledFuture<?> cdsWarmTimer;

    /** The last accepted version of each resource, and what became of it. */
    private final Map<String, Cluster> clusters = new LinkedHashMap<>();
    private final Map<String, EnvoyConversion.ClusterShape> clusterShapes = new HashMap<>();
    private final Set<String> clustersApplied = new LinkedHashSet<>();
    private final Map<String, ClusterLoadAssignment> endpoints = new HashMap<>();
    private final Map<String, Listener> listeners = new LinkedHashMap<>();
    private final Map<String, EnvoyConversion.ListenerShape> listenerShapes = new HashMap<>();
    private final Map<String, EnvoyConversion.ListenerShape> warming = new LinkedHashMap<>();
    private final Map<String, ScheduledFuture<?>> warmingTimers = new HashMap<>();
    private final Set<String> listenersApplied = new LinkedHashSet<>();
    private final Map<String, Set<String>> inlineRouters = new HashMap<>();
    private final Map<String, RouteConfiguration> routes = new HashMap<>();
    /**
     * For {@code /config_dump}: per type, each resource as last accepted, with its version and when
     * it changed (a resource resent unchanged keeps both, as in Envoy); and, for clusters and
     * listeners, the one serving, which differs while a new version warms.
     */
    private final Map<String, Map<String, Dumped>> acceptedDump = new HashMap<>();
    private final Map<String, Map<String, Dumped>> activeDump = new HashMap<>();

    private StreamObserver<DiscoveryRequest> requests;
    private StreamObserver<DeltaDiscoveryRequest> deltaRequests;
    private int streamId;
    private boolean nodeSent;
    private int failures;
    private long streamOpenedNanos;
    private boolean answered;
    private volatile boolean closed;

    private AdsClient(XdsBootstrap.Ads ads, Node node, MosnServer server) {
        this.ads = ads;
        this.node = node;
        this.server = server;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().name("mosn-xds").daemon().unstarted(r));
        NettyChannelBuilder b;
        if (ads.pipe() != null) {
            udsGroup = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            b = NettyChannelBuilder.forAddress(new DomainSocketAddress(ads.pipe())).eventLoopGroup(udsGroup)
                    .channelType(EpollDomainSocketChannel.class);
        } else {
            udsGroup = null;
            b = NettyChannelBuilder.forAddress(ads.host(), ads.port());
        }
        // istiod pushes more than grpc-java's 4 MiB default in one response
        this.channel = b.usePlaintext().maxInboundMessageSize(256 << 20).executor(thread).build();
    }

    /** Opens the stream to {@code bootstrap}'s ADS server; the proxy keeps serving what it has whatever the server does. */
    public static AdsClient start(XdsBootstrap bootstrap, MosnServer server) {
        AdsClient c = new AdsClient(bootstrap.ads(), bootstrap.bootstrap().getNode(), server);
        log.info("xDS: ADS ({}) to {} as node \"{}\"", bootstrap.ads().delta() ? "delta" : "state of the world",
                bootstrap.ads().describe(), c.node.getId());
        c.thread.execute(c::openStream);
        return c;
    }

    // ------------------------------------------------------------------ stream

    private void openStream() {
        if (closed) {
            return;
        }
        int id = ++streamId;
        nodeSent = false;
        answered = false;
        nonces.clear();
        streamOpenedNanos = System.nanoTime();
        if (ads.delta()) {
            openDeltaStream(id);
            return;
        }
        requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(observer(id, Push::of));
        // a new stream asks again for everything it has: last applied versions, current subscriptions, no nonce
        forEachTypeInUse(type -> send(type, null));
    }

    private void openDeltaStream(int id) {
        subscribed.clear();
        deltaRequests = AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(observer(id, Push::of));
        // a new stream: current subscriptions and every version held, no nonce
        forEachTypeInUse(this::subscribe);
    }

    /** Clusters always, and each other type once something has named resources of it, in Envoy's order. */
    private void forEachTypeInUse(Consumer<String> ask) {
        ask.accept(CDS);
        if (!edsNames.isEmpty()) {
            ask.accept(EDS);
        }
        if (!sdsNames.isEmpty()) {
            ask.accept(SDS);
        }
        if (ldsStarted) {
            ask.accept(LDS);
        }
        if (!rdsNames.isEmpty()) {
            ask.accept(RDS);
        }
    }

    /** Hands stream {@code id}'s responses and end to this client, ignoring them once a newer stream has opened. */
    private <R> StreamObserver<R> observer(int id, Function<R, Push> push) {
        return new StreamObserver<>() {
            @Override
            public void onNext(R r) {
                if (id == streamId) {
                    onResponse(push.apply(r));
                }
            }

            @Override
            public void onError(Throwable t) {
                if (id == streamId) {
                    streamEnded(t.getMessage());
                }
            }

            @Override
            public void onCompleted() {
                if (id == streamId) {
                    streamEnded("closed by the server");
                }
            }
        };
    }

    private void streamEnded(String why) {
        requests = null;
        deltaRequests = null;
        if (closed) {
            return;
        }
        long cap = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS << Math.min(failures, 16));
        long delay = ThreadLocalRandom.current().nextLong(cap + 1); // full jitter
        failures++;
        log.warn("xDS: stream to {} ended ({}); reopening in {} ms, the current config keeps serving", ads.describe(), why, delay);
        thread.schedule(this::openStream, delay, TimeUnit.MILLISECONDS);
    }

    /**
     * Sends the request for {@code type}: the version last applied, the latest nonce, the whole
     * subscription; a NACK when {@code error} is not null. One per response, and one whenever a
     * subscription changes.
     */
    private void send(String type, String error) {
        if (requests == null) {
            return;
        }
        DiscoveryRequest.Builder r = DiscoveryRequest.newBuilder().setTypeUrl(type).setVersionInfo(applied.getOrDefault(type, ""))
                .setResponseNonce(nonces.getOrDefault(type, ""));
        if (!nodeSent || !ads.nodeOnFirstMessageOnly()) {
            r.setNode(node);
            nodeSent = true;
        }
        if (type.equals(EDS)) {
            r.addAllResourceNames(edsNames);
        } else if (type.equals(RDS)) {
            r.addAllResourceNames(rdsNames);
        } else if (type.equals(SDS)) {
            r.addAllResourceNames(sdsNames);
        }
        if (error != null) {
            r.setErrorDetail(Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(error));
        }
        requests.onNext(r.build());
    }

    /** A subscription changed (or LDS starts): SotW asks again with the whole set, delta with what was added and removed. */
    private void subscriptionChanged(String type) {
        if (ads.delta()) {
            subscribe(type);
        } else {
            send(type, null);
        }
    }

    /** Answers the response {@code p}: ACK, or NACK when {@code error} is not null. */
    private void answer(Push p, String error) {
        if (ads.delta()) {
            sendDelta(DeltaDiscoveryRequest.newBuilder().setTypeUrl(p.type()).setResponseNonce(p.nonce()), error);
        } else {
            send(p.type(), error);
        }
    }

    /**
     * Delta: tells the server what {@code type}'s subscription gained and lost since this stream's
     * last request for it. The first request of a type on a stream subscribes everything wanted
     * (clusters and listeners: wildcard, no names) and lists every version held, so the server
     * sends only what changed.
     */
    private void subscribe(String type) {
        Set<String> wanted = switch (type) {
            case EDS -> edsNames;
            case RDS -> rdsNames;
            case SDS -> sdsNames;
            default -> Set.of(); // CDS, LDS: wildcard
        };
        Set<String> before = subscribed.get(type);
        DeltaDiscoveryRequest.Builder r = DeltaDiscoveryRequest.newBuilder().setTypeUrl(type);
        if (before == null) {
            r.addAllResourceNamesSubscribe(wanted);
            r.putAllInitialResourceVersions(resourceVersions.getOrDefault(type, Map.of()));
        } else {
            wanted.stream().filter(n -> !before.contains(n)).forEach(r::addResourceNamesSubscribe);
            before.stream().filter(n -> !wanted.contains(n)).forEach(r::addResourceNamesUnsubscribe);
            if (r.getResourceNamesSubscribeCount() == 0 && r.getResourceNamesUnsubscribeCount() == 0) {
                return;
            }
        }
        subscribed.put(type, new TreeSet<>(wanted));
        sendDelta(r, null);
    }

    private void sendDelta(DeltaDiscoveryRequest.Builder r, String error) {
        if (deltaRequests == null) {
            return;
        }
        if (!nodeSent || !ads.nodeOnFirstMessageOnly()) {
            r.setNode(node);
            nodeSent = true;
        }
        if (error != null) {
            r.setErrorDetail(Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE).setMessage(error));
        }
        deltaRequests.onNext(r.build());
    }

    // ------------------------------------------------------------------ responses

    /**
     * A response of either protocol: its resources in order with (delta) their declared names and
     * versions, (delta) the names removed, and a fingerprint telling a resent push from a new one.
     *
     * @param names delta: each resource's declared name, in order; null for SotW
     * @param removed delta: the names removed; null for SotW, where what a CDS/LDS response leaves out is removed
     */
    private record Push(String type, String version, String nonce, List<Any> resources, List<String> names,
                        Map<String, String> versions, List<String> removed, String fingerprint) {
        static Push of(DiscoveryResponse r) {
            return new Push(r.getTypeUrl(), r.getVersionInfo(), r.getNonce(), r.getResourcesList(), null, Map.of(), null,
                    r.getVersionInfo());
        }

        static Push of(DeltaDiscoveryResponse r) {
            List<Any> resources = new ArrayList<>();
            List<String> names = new ArrayList<>();
            Map<String, String> versions = new TreeMap<>();
            for (Resource res : r.getResourcesList()) {
                resources.add(res.hasResource() ? res.getResource() : null);
                names.add(res.getName());
                versions.put(res.getName(), res.getVersion());
            }
            List<String> removed = new ArrayList<>(r.getRemovedResourcesList());
            return new Push(r.getTypeUrl(), r.getSystemVersionInfo(), r.getNonce(), resources, names, versions, removed,
                    r.getSystemVersionInfo() + " " + versions + " -" + new TreeSet<>(removed));
        }

        boolean delta() {
            return names != null;
        }

        String getTypeUrl() {
            return type;
        }

        String getVersionInfo() {
            return version;
        }

        String getNonce() {
            return nonce;
        }

        int count() {
            return resources.size();
        }
    }

    /** Delta: {@code name} of {@code type} was accepted at the version this response gives it. */
    private void accepted(String type, String name) {
        String v = pushVersions.get(name);
        if (ads.delta() && v != null) {
            resourceVersions.computeIfAbsent(type, t -> new HashMap<>()).put(name, v);
        }
    }

    private void forget(String type, String name) {
        Map<String, String> v = resourceVersions.get(type);
        if (v != null) {
            v.remove(name);
        }
    }

    /** What a response removes of {@code held}: delta names it; SotW CDS/LDS removes what it leaves out. */
    private static Set<String> removed(Push p, Set<String> held, Set<String> pushed) {
        Set<String> gone = new LinkedHashSet<>();
        for (String name : held) {
            if (p.delta() ? p.removed().contains(name) : !pushed.contains(name)) {
                gone.add(name);
            }
        }
        return gone;
    }

    private void onResponse(Push r) {
        failures = 0;
        nonces.put(r.getTypeUrl(), r.getNonce());
        pushVersions = r.versions();
        pushVersion = r.getVersionInfo();
        if (!answered) {
            answered = true;
            log.info("xDS: stream {} to {} answered {} ms after it was opened", streamId, ads.describe(),
                    (System.nanoTime() - streamOpenedNanos) / 1_000_000);
        }
        ConfigWarnings fresh = new ConfigWarnings();
        List<String> errors = new ArrayList<>();
        fresh.collect("xds", () -> {
            switch (r.getTypeUrl()) {
                case CDS -> onClusters(r, errors);
                case EDS -> onEndpoints(r, errors);
                case LDS -> onListeners(r, errors);
                case RDS -> onRoutes(r, errors);
                case SDS -> onSecrets(r, errors);
                default -> errors.add("type_url " + r.getTypeUrl() + " was not asked for");
            }
            return null;
        });
        server.warnings().addAll(fresh);
        fresh.logNew();
        pushVersions = Map.of();
        count(r.getTypeUrl(), errors.isEmpty());
        if (errors.isEmpty()) {
            lastNacked.remove(r.getTypeUrl());
            nackDelays.remove(r.getTypeUrl());
            applied.put(r.getTypeUrl(), r.getVersionInfo());
            answer(r, null);
            log.info("xDS: {} version {} applied ({} resources{})", shortType(r.getTypeUrl()), r.getVersionInfo(), r.count(),
                    r.delta() ? ", " + r.removed().size() + " removed" : "");
        } else {
            String detail = String.join("; ", errors);
            // A server that resends a NACKed version at once (java-control-plane's SimpleCache) would spin both processes:
            // the same version NACKed again is answered after a doubling delay (100 ms to 10 s), unless a newer response comes first.
            // (delta: the same resources at the same versions; java-control-plane resends a NACKed EDS/RDS resource at once)
            boolean again = r.fingerprint().equals(lastNacked.put(r.getTypeUrl(), r.fingerprint()));
            if (again) {
                long delay = nackDelays.merge(r.getTypeUrl(), 100L, (a, b) -> Math.min(a * 2, 10_000L));
                int stream = streamId;
                String nonce = r.getNonce();
                String type = r.getTypeUrl();
                thread.schedule(() -> {
                    if (stream == streamId && nonce.equals(nonces.get(type))) {
                        answer(r, detail);
                    }
                }, delay, TimeUnit.MILLISECONDS);
                log.debug("xDS: {} version {} rejected again (NACK in {} ms): {}", shortType(type), r.getVersionInfo(), delay, detail);
            } else {
                nackDelays.remove(r.getTypeUrl());
                answer(r, detail);
                log.warn("xDS: {} version {} rejected (NACK), keeping version \"{}\" where it failed: {}", shortType(r.getTypeUrl()),
                        r.getVersionInfo(), applied.getOrDefault(r.getTypeUrl(), ""), detail);
            }
        }
        afterResponse(r.getTypeUrl());
    }

    /** Decodes a response's resources by name; errors for wrong types, undecodable or duplicate names. */
    private static <T extends Message> Map<String, T> decode(Push r, Class<T> type, java.util.function.Function<T, String> name,
                                                             String kind, List<String> errors) {
        Map<String, T> out = new LinkedHashMap<>();
        for (int i = 0; i < r.count(); i++) {
            Any any = r.resources().get(i);
            if (any == null) {
                errors.add("resources[" + i + "] (" + r.names().get(i) + "): resource required");
                continue;
            }
            if (!any.getTypeUrl().equals(r.getTypeUrl())) {
                errors.add("resources[" + i + "]: type " + any.getTypeUrl() + " in a " + r.getTypeUrl() + " response");
                continue;
            }
            try {
                T t = any.unpack(type);
                if (r.delta() && !r.names().get(i).isEmpty() && !r.names().get(i).equals(name.apply(t))) {
                    errors.add("resources[" + i + "]: name \"" + r.names().get(i) + "\" but the " + kind + " is named \""
                            + name.apply(t) + "\"");
                    continue;
                }
                if (out.put(name.apply(t), t) != null) {
                    errors.add(kind + " " + name.apply(t) + ": duplicate name in one response");
                }
            } catch (InvalidProtocolBufferException e) {
                errors.add("resources[" + i + "]: cannot decode " + kind + ": " + e.getMessage());
            }
        }
        return out;
    }

    private void onClusters(Push r, List<String> errors) {
        Map<String, Cluster> pushed = decode(r, Cluster.class, Cluster::getName, "cluster", errors);
        for (Cluster c : pushed.values()) {
            if (c.equals(clusters.get(c.getName()))) {
                accepted(CDS, c.getName());
                continue; // unchanged: nothing to do (istiod resends everything on every push)
            }
            try {
                convertCluster(c);
                accepted(CDS, c.getName());
            } catch (XdsRejection | ConfigException e) {
                errors.add("cluster " + c.getName() + ": " + message(e));
            }
        }
        for (String name : removed(r, clusters.keySet(), pushed.keySet())) {
            {
                forget(CDS, name);
                clusters.remove(name);
                forgetDump(CDS, name);
                clusterShapes.remove(name);
                clusterSecrets.remove(name);
                awaitingSecrets.remove("cluster " + name);
                if (clustersApplied.remove(name)) {
                    server.removeCluster(name);
                }
            }
        }
        Set<String> wanted = new TreeSet<>();
        clusterShapes.values().forEach(s -> {
            if (s.edsServiceName() != null) {
                wanted.add(s.edsServiceName());
            }
        });
        endpoints.keySet().retainAll(wanted);
        acceptedDump.getOrDefault(EDS, new HashMap<>()).keySet().retainAll(wanted);
        resourceVersions.getOrDefault(EDS, new HashMap<>()).keySet().retainAll(wanted);
        if (!wanted.equals(edsNames)) {
            edsNames.clear();
            edsNames.addAll(wanted);
            subscriptionChanged(EDS); // Envoy asks for the endpoints before it ACKs the clusters
        }
        secretsWanted();
    }

    /**
     * Converts and applies {@code c} (or leaves it warming: for its endpoints, or for the SDS
     * secrets it names); a previous version keeps serving meanwhile.
     */
    private void convertCluster(Cluster c) {
        EnvoyTls.Secrets sec = new EnvoyTls.Secrets(secrets);
        EnvoyConversion.ClusterShape shape = ScopedValue.where(EnvoyTls.Secrets.CURRENT, sec).call(() -> EnvoyConversion.cluster(c));
        Dumped dumped = dumped(CDS, c.getName(), c);
        if (sec.missing.isEmpty()) {
            awaitingSecrets.remove("cluster " + c.getName());
            if (shape.edsServiceName() == null) {
                apply(() -> server.applyCluster(new JsonConfigValue(shape.json(), "cluster " + c.getName())));
                clusterApplied(c.getName(), dumped);
            } else {
                ClusterLoadAssignment known = endpoints.get(shape.edsServiceName());
                if (known != null) {
                    apply(() -> server.applyCluster(new JsonConfigValue(shape.withHosts(known), "cluster " + c.getName())));
                    clusterApplied(c.getName(), dumped);
                } // else warming: applied when its ClusterLoadAssignment arrives
            }
        } else {
            awaitingSecrets.add("cluster " + c.getName());
            log.info("xDS: cluster {} waits for secrets {}", c.getName(), sec.missing);
        }
        clusters.put(c.getName(), c);
        acceptedDump.computeIfAbsent(CDS, t -> new HashMap<>()).put(c.getName(), dumped);
        clusterShapes.put(c.getName(), shape);
        clusterSecrets.put(c.getName(), sec.used);
    }

    /** Subscribes the secrets the clusters and listeners name; drops the ones none names any more. */
    private void secretsWanted() {
        Set<String> wanted = new TreeSet<>();
        clusterSecrets.values().forEach(wanted::addAll);
        listenerSecrets.values().forEach(wanted::addAll);
        secrets.keySet().retainAll(wanted);
        resourceVersions.getOrDefault(SDS, new HashMap<>()).keySet().retainAll(wanted);
        if (!wanted.equals(sdsNames)) {
            sdsNames.clear();
            sdsNames.addAll(wanted);
            subscriptionChanged(SDS);
        }
    }

    /** Secrets (SDS over ADS): the clusters and listeners that name a changed one are converted again with it. */
    private void onSecrets(Push r, List<String> errors) {
        Map<String, io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret> pushed = decode(r,
                io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret.class,
                io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret::getName, "secret", errors);
        if (r.delta() && !r.removed().isEmpty()) {
            log.warn("xDS: SDS removal of {} ignored: secrets stay until no cluster or listener uses them", r.removed());
        }
        Set<String> changed = new TreeSet<>();
        for (var sec : pushed.values()) {
            if (!sdsNames.contains(sec.getName())) {
                continue;
            }
            if (!sec.equals(secrets.get(sec.getName()))) {
                secrets.put(sec.getName(), sec);
                changed.add(sec.getName());
            }
            accepted(SDS, sec.getName());
        }
        if (changed.isEmpty()) {
            return;
        }
        for (var e : new ArrayList<>(clusterSecrets.entrySet())) {
            if (e.getValue().stream().anyMatch(changed::contains)) {
                try {
                    convertCluster(clusters.get(e.getKey()));
                } catch (XdsRejection | ConfigException ex) {
                    errors.add("cluster " + e.getKey() + " (secrets " + changed + "): " + message(ex));
                }
            }
        }
        for (var e : new ArrayList<>(listenerSecrets.entrySet())) {
            if (e.getValue().stream().anyMatch(changed::contains)) {
                try {
                    convertListener(listeners.get(e.getKey()));
                } catch (XdsRejection | ConfigException ex) {
                    errors.add("listener " + e.getKey() + " (secrets " + changed + "): " + message(ex));
                }
            }
        }
    }

    private void onEndpoints(Push r, List<String> errors) {
        Map<String, ClusterLoadAssignment> pushed = decode(r, ClusterLoadAssignment.class, ClusterLoadAssignment::getClusterName,
                "endpoints", errors);
        if (r.delta() && !r.removed().isEmpty()) {
            // as Envoy: endpoints go with the clusters that use them, not by an EDS removal
            log.warn("xDS: EDS removal of {} ignored: endpoints stay until no cluster uses them", r.removed());
        }
        for (ClusterLoadAssignment cla : pushed.values()) {
            if (!edsNames.contains(cla.getClusterName())) {
                continue;
            }
            if (cla.equals(endpoints.get(cla.getClusterName()))) {
                accepted(EDS, cla.getClusterName());
                continue;
            }
            int failed = errors.size();
            for (var e : clusterShapes.entrySet()) {
                if (!cla.getClusterName().equals(e.getValue().edsServiceName()) || awaitingSecrets.contains("cluster " + e.getKey())) {
                    continue; // (one waiting for secrets gets its endpoints when they arrive)
                }
                try {
                    ObjectNode json = e.getValue().withHosts(cla);
                    apply(() -> server.applyCluster(new JsonConfigValue(json, "cluster " + e.getKey())));
                    clusterApplied(e.getKey(), acceptedDump.get(CDS).get(e.getKey()));
                } catch (XdsRejection | ConfigException ex) {
                    errors.add("endpoints " + cla.getClusterName() + " (cluster " + e.getKey() + "): " + message(ex));
                }
            }
            acceptedDump.computeIfAbsent(EDS, t -> new HashMap<>()).put(cla.getClusterName(), dumped(EDS, cla.getClusterName(), cla));
            endpoints.put(cla.getClusterName(), cla);
            if (errors.size() == failed) {
                accepted(EDS, cla.getClusterName());
            }
        }
    }

    private void onListeners(Push r, List<String> errors) {
        Map<String, Listener> pushed = decode(r, Listener.class, Listener::getName, "listener", errors);
        for (Listener l : pushed.values()) {
            if (l.equals(listeners.get(l.getName()))) {
                accepted(LDS, l.getName());
                continue;
            }
            try {
                convertListener(l);
                accepted(LDS, l.getName());
            } catch (XdsRejection | ConfigException e) {
                errors.add("listener " + l.getName() + ": " + message(e));
            }
        }
        for (String name : removed(r, listeners.keySet(), pushed.keySet())) {
            {
                forget(LDS, name);
                listeners.remove(name);
                forgetDump(LDS, name);
                listenerSecrets.remove(name);
                awaitingSecrets.remove("listener " + name);
                listenerShapes.remove(name);
                cancelWarming(name);
                if (listenersApplied.remove(name)) {
                    server.removeListener(name);
                    log.info("xDS: listener {} removed: it drains", name);
                }
                Set<String> inline = inlineRouters.remove(name);
                if (inline != null) {
                    inline.forEach(server::removeRouter);
                }
            }
        }
        Set<String> wanted = new TreeSet<>();
        listenerShapes.values().forEach(shape -> wanted.addAll(shape.rdsNames()));
        for (String gone : new ArrayList<>(routes.keySet())) {
            if (!wanted.contains(gone)) {
                routes.remove(gone);
                forgetDump(RDS, gone);
                forget(RDS, gone);
                server.removeRouter(gone);
            }
        }
        if (!wanted.equals(rdsNames)) {
            rdsNames.clear();
            rdsNames.addAll(wanted);
            subscriptionChanged(RDS);
        }
        secretsWanted();
    }

    /** Converts {@code l} and applies it, or leaves it warming for its route tables or its SDS secrets. */
    private void convertListener(Listener l) {
        EnvoyTls.Secrets sec = new EnvoyTls.Secrets(secrets);
        EnvoyConversion.ListenerShape shape = ScopedValue.where(EnvoyTls.Secrets.CURRENT, sec).call(() -> EnvoyConversion.listener(l));
        acceptedDump.computeIfAbsent(LDS, t -> new HashMap<>()).put(l.getName(), dumped(LDS, l.getName(), l));
        listeners.put(l.getName(), l);
        listenerShapes.put(l.getName(), shape);
        listenerSecrets.put(l.getName(), sec.used);
        cancelWarming(l.getName());
        if (!sec.missing.isEmpty()) {
            awaitingSecrets.add("listener " + l.getName());
            log.info("xDS: listener {} waits for secrets {}", l.getName(), sec.missing);
            return;
        }
        awaitingSecrets.remove("listener " + l.getName());
        Set<String> inline = new LinkedHashSet<>();
        for (ObjectNode router : shape.inlineRouters()) {
            apply(() -> server.applyRouter(new JsonConfigValue(router, "listener " + l.getName() + " route_config")));
            inline.add(router.get("router_config_name").asText());
        }
        Set<String> old = inlineRouters.put(l.getName(), inline);
        if (old != null) {
            old.removeAll(inline);
            old.forEach(server::removeRouter);
        }
        if (routes.keySet().containsAll(shape.rdsNames())) {
            applyListener(l.getName(), shape);
        } else {
            warm(l.getName(), shape);
        }
    }

    private void onRoutes(Push r, List<String> errors) {
        Map<String, RouteConfiguration> pushed = decode(r, RouteConfiguration.class, RouteConfiguration::getName, "route", errors);
        if (r.delta() && !r.removed().isEmpty()) {
            // as Envoy: a route table goes when no listener names it, not by an RDS removal
            log.warn("xDS: RDS removal of {} ignored: route tables stay until no listener uses them", r.removed());
        }
        for (RouteConfiguration rc : pushed.values()) {
            if (!rdsNames.contains(rc.getName())) {
                continue;
            }
            if (rc.equals(routes.get(rc.getName()))) {
                accepted(RDS, rc.getName());
                continue;
            }
            try {
                ObjectNode json = EnvoyConversion.router(rc);
                // Envoy's validate_clusters: off by default for RDS, so a route may name a cluster CDS has not sent (yet)
                boolean validate = rc.hasValidateClusters() && rc.getValidateClusters().getValue();
                apply(() -> server.applyRouter(new JsonConfigValue(json, "route " + rc.getName()), validate));
                acceptedDump.computeIfAbsent(RDS, t -> new HashMap<>()).put(rc.getName(), dumped(RDS, rc.getName(), rc));
                routes.put(rc.getName(), rc);
                accepted(RDS, rc.getName());
            } catch (XdsRejection | ConfigException e) {
                errors.add("route " + rc.getName() + ": " + message(e));
            }
        }
        for (String name : new ArrayList<>(warming.keySet())) {
            EnvoyConversion.ListenerShape shape = warming.get(name);
            if (routes.keySet().containsAll(shape.rdsNames())) {
                cancelWarming(name);
                try {
                    applyListener(name, shape);
                } catch (ConfigException e) {
                    errors.add("listener " + name + " (warmed by route " + shape.rdsNames() + "): " + message(e));
                }
            }
        }
    }

    /** Starts LDS once every EDS cluster is warm (or CDS's initial_fetch_timeout passed). */
    private void afterResponse(String type) {
        if (ldsStarted || !(type.equals(CDS) || type.equals(EDS) || type.equals(SDS))) {
            return;
        }
        boolean warm = clusterShapes.keySet().stream().allMatch(clustersApplied::contains);
        if (warm) {
            startLds();
        } else if (cdsWarmTimer == null && ads.cdsFetchTimeout() != null) {
            cdsWarmTimer = thread.schedule(() -> {
                if (!ldsStarted) {
                    log.warn("xDS: clusters still without endpoints after {}; asking for listeners anyway",
                            GoDuration.format(ads.cdsFetchTimeout()));
                    startLds();
                }
            }, ads.cdsFetchTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void startLds() {
        ldsStarted = true;
        if (cdsWarmTimer != null) {
            cdsWarmTimer.cancel(false);
        }
        subscriptionChanged(LDS);
    }

    private void applyListener(String name, EnvoyConversion.ListenerShape shape) {
        apply(() -> server.applyListener(new JsonConfigValue(shape.json(), "listener " + name)));
        listenersApplied.add(name);
        activeDump.computeIfAbsent(LDS, t -> new HashMap<>()).put(name, acceptedDump.get(LDS).get(name));
    }

    private void clusterApplied(String name, Dumped dumped) {
        clustersApplied.add(name);
        activeDump.computeIfAbsent(CDS, t -> new HashMap<>()).put(name, dumped);
    }

    // ------------------------------------------------------------------ config_dump

    /** A resource as accepted: the version of the push that brought it (delta: its own version) and when. */
    public record Dumped(Message resource, String version, java.time.Instant updated) {}

    /** {@code resource} as accepted now, or as it was accepted before when it has not changed (a resend, or a secret changed). */
    private Dumped dumped(String type, String name, Message resource) {
        Dumped before = acceptedDump.getOrDefault(type, Map.of()).get(name);
        if (before != null && before.resource().equals(resource)) {
            return before;
        }
        String v = pushVersions.get(name);
        return new Dumped(resource, ads.delta() && v != null ? v : pushVersion, java.time.Instant.now());
    }

    private void forgetDump(String type, String name) {
        acceptedDump.getOrDefault(type, new HashMap<>()).remove(name);
        activeDump.getOrDefault(type, new HashMap<>()).remove(name);
    }

    /**
     * The xDS state as {@code /config_dump} shows it. Per type, the version last applied; the
     * clusters and listeners serving ({@code active}) and those whose latest version waits for
     * endpoints, route tables or secrets ({@code warming}); the route tables and endpoints.
     */
    public record State(Map<String, String> versions, List<Dumped> activeClusters, List<Dumped> warmingClusters,
                        Map<String, Dumped> activeListeners, Map<String, Dumped> warmingListeners, List<Dumped> routes,
                        List<Dumped> endpoints) {
        public String version(String type) {
            return versions.getOrDefault(type, "");
        }
    }

    /** Reads {@link State} on the client's thread (waits at most {@code limit}; call it off the event loops). */
    public State state(Duration limit) throws Exception {
        return java.util.concurrent.CompletableFuture.supplyAsync(this::state, thread).get(limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    private State state() {
        Map<String, Dumped> accCds = acceptedDump.getOrDefault(CDS, Map.of());
        Map<String, Dumped> actCds = activeDump.getOrDefault(CDS, Map.of());
        List<Dumped> warmingClusters = new ArrayList<>();
        for (var e : new TreeMap<>(accCds).entrySet()) {
            if (e.getValue() != actCds.get(e.getKey())) {
                warmingClusters.add(e.getValue());
            }
        }
        Map<String, Dumped> warmingListeners = new TreeMap<>();
        for (String name : listeners.keySet()) {
            if (warming.containsKey(name) || awaitingSecrets.contains("listener " + name)) {
                warmingListeners.put(name, acceptedDump.get(LDS).get(name));
            }
        }
        return new State(Map.copyOf(applied), List.copyOf(new TreeMap<>(actCds).values()), List.copyOf(warmingClusters),
                new TreeMap<>(activeDump.getOrDefault(LDS, Map.of())), warmingListeners,
                List.copyOf(new TreeMap<>(acceptedDump.getOrDefault(RDS, Map.of())).values()),
                List.copyOf(new TreeMap<>(acceptedDump.getOrDefault(EDS, Map.of())).values()));
    }

    /** A listener waits for its route tables, up to the longest initial_fetch_timeout of them. */
    private void warm(String name, EnvoyConversion.ListenerShape shape) {
        warming.put(name, shape);
        Duration limit = Duration.ZERO;
        for (String rds : shape.rdsNames()) {
            Duration d = shape.rdsFetchTimeouts().get(rds);
            if (d == null) {
                log.info("xDS: listener {} waits for routes {} (initial_fetch_timeout 0s: no limit)", name, shape.rdsNames());
                return;
            }
            limit = d.compareTo(limit) > 0 ? d : limit;
        }
        log.info("xDS: listener {} waits up to {} for routes {}", name, GoDuration.format(limit), shape.rdsNames());
        warmingTimers.put(name, thread.schedule(() -> {
            if (warming.remove(name) != null) {
                log.warn("xDS: listener {}: routes {} did not arrive in time; serving it without them (404 until they do)",
                        name, shape.rdsNames());
                try {
                    applyListener(name, shape);
                } catch (ConfigException e) {
                    log.warn("xDS: listener {} cannot be applied: {}", name, message(e));
                }
            }
        }, limit.toMillis(), TimeUnit.MILLISECONDS));
    }

    private void cancelWarming(String name) {
        warming.remove(name);
        ScheduledFuture<?> t = warmingTimers.remove(name);
        if (t != null) {
            t.cancel(false);
        }
    }

    private static void apply(Runnable change) {
        change.run();
    }

    private static String message(RuntimeException e) {
        return e.getMessage();
    }

    /**
     * Envoy's counters for what pilot-agent's readiness check reads ({@code
     * cluster_manager.cds.update_success|update_rejected}, {@code listener_manager.lds.…}), and
     * the same for EDS and RDS under {@code xds.eds.…}, {@code xds.rds.…}: one per response.
     */
    private void count(String type, boolean accepted) {
        String prefix = switch (type) {
            case CDS -> "cluster_manager.cds.";
            case LDS -> "listener_manager.lds.";
            case EDS -> "xds.eds.";
            case RDS -> "xds.rds.";
            case SDS -> "xds.sds.";
            default -> "xds.unknown_type.";
        };
        server.stats().counter(prefix + (accepted ? "update_success" : "update_rejected")).inc();
    }

    private static String shortType(String url) {
        return switch (url) {
            case CDS -> "CDS";
            case EDS -> "EDS";
            case LDS -> "LDS";
            case RDS -> "RDS";
            case SDS -> "SDS";
            default -> url;
        };
    }

    /** Ends the stream; the proxy keeps what it has. */
    @Override
    public void close() {
        closed = true;
        thread.execute(() -> {
            if (requests != null) {
                requests.onCompleted();
                requests = null;
            }
            if (deltaRequests != null) {
                deltaRequests.onCompleted();
                deltaRequests = null;
            }
        });
        channel.shutdownNow();
        thread.shutdown();
        if (udsGroup != null) {
            udsGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
