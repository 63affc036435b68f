package io.mosn4j.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mosn4j.admin.AdminServer;
import io.mosn4j.admin.Diagnostics;
import io.mosn4j.api.admin.AdminApi;
import io.mosn4j.api.admin.AdminApi.Request;
import io.mosn4j.api.admin.AdminApi.Response;
import io.mosn4j.config.ConfigLoader;
import io.mosn4j.log.LogLevels;
import io.mosn4j.stats.PrometheusSink;
import io.mosn4j.stats.StatsRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's built-in paths: MOSN's ({@code /api/v1/...}, same paths, methods and bodies as
 * MOSN's admin server), Envoy's that Istio's agent and probes call ({@code /ready},
 * {@code /server_info}, {@code /stats}, {@code /stats/prometheus}, {@code /quitquitquit},
 * {@code /drain_listeners}; {@code /config_dump}, {@code /clusters} and {@code /listeners} come with
 * the xDS module), and the
 * JVM's diagnostics ({@code /api/v1/debug/...}). All run on admin virtual threads.
 */
final class AdminRoutes {
    private static final Logger log = LoggerFactory.getLogger(AdminRoutes.class);
    /** The longest JFR recording the admin API makes in one call. */
    static final Duration MAX_JFR = Duration.ofMinutes(5);

    private final MosnServer server;
    private final PrometheusSink prometheus;

    AdminRoutes(MosnServer server) {
        this.server = server;
        var sinks = server.metricsConfig().sinks();
        this.prometheus = sinks.isEmpty() ? new PrometheusSink(server.registry(), List.of(), true, true)
                : PrometheusSink.of(server.registry(), sinks.get(0));
    }

    Map<String, AdminServer.Handler> routes() {
        Map<String, AdminServer.Handler> r = new LinkedHashMap<>();
        r.put("/api/v1/config_dump", get(req -> Response.json(ConfigLoader.mapper().writeValueAsBytes(server.configDump()))));
        r.put("/api/v1/stats", get(this::statsJson));
        r.put("/api/v1/version", get(req -> Response.text(200, "mosn version: " + version())));
        r.put("/api/v1/update_loglevel", post(this::updateLogLevel));
        r.put("/api/v1/get_loglevel", get(req -> Response.json(ConfigLoader.mapper().writeValueAsBytes(
                Map.of(logPath(), LogLevels.current())))));
        r.put("/api/v1/enable_log", post(req -> toggleLog(req, false)));
        r.put("/api/v1/disable_log", post(req -> toggleLog(req, true)));
        r.put("/api/v1/features", get(this::features));
        r.put("/api/v1/env", get(this::env));
        r.put("/api/v1/debug/thread_dump", get(req -> Response.text(200, Diagnostics.threadDump())));
        r.put("/api/v1/debug/heap_histogram", get(req -> Response.text(200, Diagnostics.heapHistogram())));
        r.put("/api/v1/debug/jfr", get(this::jfr));
        // Envoy's, for Istio's pilot-agent, kubelet probes and Prometheus
        r.put("/ready", get(req -> server.draining() ? Response.text(503, "DRAINING") : Response.text(200, "LIVE")));
        r.put("/server_info", get(this::serverInfo));
        r.put("/stats", get(this::envoyStats));
        r.put("/stats/prometheus", get(req -> new Response(200, PrometheusSink.CONTENT_TYPE, prometheus.scrape())));
        // MOSN's config_dump until an Envoy bootstrap's xDS client serves Envoy's here (MosnServer.serveAdmin)
        r.put("/config_dump", get(req -> Response.json(ConfigLoader.mapper().writeValueAsBytes(server.configDump()))));
        r.put("/drain_listeners", post(req -> {
            // skip_exit (Istio's preStop) changes nothing: a drain never ends the process here
            server.drainListeners(req.query().containsKey("inboundonly"), req.query().containsKey("graceful"));
            return Response.text(200, "OK");
        }));
        r.put("/quitquitquit", post(req -> {
            log.info("admin: /quitquitquit");
            Thread.ofVirtual().start(() -> {
                sleep(100); // the answer goes out first
                server.quit();
            });
            return Response.text(200, "OK");
        }));
        return r;
    }

    @FunctionalInterface
    private interface Call {
        Response apply(Request req) throws Exception;
    }

    private static AdminServer.Handler get(Call c) {
        return req -> req.method().equals("GET") || req.method().equals("HEAD") ? c.apply(req) : Response.text(405, "use GET");
    }

    private static AdminServer.Handler post(Call c) {
        return req -> req.method().equals("POST") ? c.apply(req) : Response.text(405, "use POST");
    }

    /** MOSN's shape: {@code {type: {"label.value...": {key: "value"}}}}, plus mosn4j's flat counters by name. */
    private Response statsJson(Request req) throws IOException {
        String only = req.param("key");
        ObjectNode out = ConfigLoader.mapper().createObjectNode();
        if (only == null) {
            server.registry().snapshot().forEach(out::put);
        }
        for (StatsRegistry.Group g : server.registry().groups()) {
            if (only != null && !only.equals(g.type())) {
                continue;
            }
            ObjectNode type = out.has(g.type()) && out.get(g.type()).isObject() ? (ObjectNode) out.get(g.type()) : out.putObject(g.type());
            ObjectNode ns = type.putObject(namespace(g.labels()));
            for (StatsRegistry.Value v : g.values()) {
                if (v.kind() == StatsRegistry.Kind.HISTOGRAM) {
                    ns.put(v.key() + "_min", Long.toString(v.histogram().min()));
                    ns.put(v.key() + "_max", Long.toString(v.histogram().max()));
                    ns.put(v.key() + "_count", Long.toString(v.histogram().count()));
                } else {
                    ns.put(v.key(), Long.toString(v.number()));
                }
            }
        }
        return Response.json(ConfigLoader.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(out));
    }

    private static String namespace(Map<String, String> labels) {
        StringBuilder b = new StringBuilder();
        labels.forEach((k, v) -> b.append(b.isEmpty() ? "" : ".").append(k).append('.').append(v));
        return b.toString();
    }

    private String logPath() {
        return server.loaded().config().server().defaultLogPath();
    }

    /** MOSN's body: {@code {"log_path": ..., "log_level": "DEBUG"}}; mosn4j has the one error log, at default_log_path. */
    private Response updateLogLevel(Request req) {
        ObjectNode body;
        try {
            body = (ObjectNode) ConfigLoader.mapper().readTree(req.body());
        } catch (Exception | Error e) {
            return Response.text(400, "{\"error\": \"update logger failed\"}: the body is not a JSON object");
        }
        String path = body.path("log_path").asText("");
        var level = LogLevels.parse(body.path("log_level").asText(null));
        if (level == null || !(path.isEmpty() || path.equals(logPath()))) {
            return Response.text(400, "{\"error\": \"update logger failed\"}: " + (level == null ? "not found log level: "
                    + body.path("log_level").asText("") : "no log at " + path + " (the error log is " + logPath() + ")"));
        }
        LogLevels.set(level);
        log.info("[admin api] [update log level] update log: {} level as {}", logPath(), level);
        return Response.text(200, "update logger success");
    }

    /** MOSN's body: the log's path, as the only content. */
    private Response toggleLog(Request req, boolean disable) {
        String path = new String(req.body(), StandardCharsets.UTF_8).trim();
        String what = disable ? "disable" : "enable";
        if (!path.equals(logPath())) {
            return Response.text(400, "{\"error\": \"" + what + " logger failed\"}: no log at \"" + path + "\" (the error log is "
                    + logPath() + ")");
        }
        if (!disable) {
            LogLevels.toggle(false);
        }
        log.info("[admin api] [{} logger] {} logger {}", what, what, path);
        if (disable) {
            LogLevels.toggle(true);
        }
        return Response.text(200, what + " logger success");
    }

    private Response features(Request req) throws IOException {
        String key = req.param("key");
        var states = new TreeMap<>(server.extensions().features().states());
        if (key != null) {
            return new Response(200, "text/plain; charset=utf-8", Boolean.toString(states.getOrDefault(key, false))
                    .getBytes(StandardCharsets.UTF_8));
        }
        return Response.json(ConfigLoader.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(states));
    }

    /** MOSN's {@code ?key=A&key=B}: {@code {"env": {A: ...}, "not_found": [B]}}. */
    private Response env(Request req) throws IOException {
        List<String> keys = req.query().get("key");
        if (keys == null || keys.isEmpty()) {
            return Response.text(400, "{\"error\": \"no env key\"}");
        }
        ObjectNode out = ConfigLoader.mapper().createObjectNode();
        ObjectNode env = out.putObject("env");
        ArrayNode missing = null;
        for (String k : keys) {
            String v = System.getenv(k);
            if (v != null) {
                env.put(k, v);
            } else {
                if (missing == null) {
                    missing = out.putArray("not_found");
                }
                missing.add(k);
            }
        }
        return Response.json(ConfigLoader.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(out));
    }

    /** {@code ?seconds=N} (1..300, default 10): records N seconds of JFR and answers the file. */
    private Response jfr(Request req) throws Exception {
        long seconds;
        try {
            seconds = req.param("seconds") == null ? 10 : Long.parseLong(req.param("seconds"));
        } catch (NumberFormatException e) {
            return Response.text(400, "seconds: not a number");
        }
        if (seconds < 1 || seconds > MAX_JFR.toSeconds()) {
            return Response.text(400, "seconds: 1.." + MAX_JFR.toSeconds());
        }
        Path file = Files.createTempFile("mosn4j-", ".jfr");
        try {
            Diagnostics.record(Duration.ofSeconds(seconds), file);
            return new Response(200, "application/octet-stream", Files.readAllBytes(file));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private Response serverInfo(Request req) throws IOException {
        ObjectNode out = ConfigLoader.mapper().createObjectNode();
        out.put("version", "mosn4j/" + version());
        out.put("state", server.draining() ? "DRAINING" : "LIVE");
        out.put("hot_restart_version", "disabled");
        long up = (System.currentTimeMillis() - server.startedMillis()) / 1000;
        out.put("uptime_current_epoch", up + "s");
        out.put("uptime_all_epochs", up + "s");
        out.putObject("command_line_options");
        return Response.json(ConfigLoader.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(out));
    }

    /**
     * Envoy's text {@code /stats}: {@code name: value} per line, with {@code server.state} (0 LIVE,
     * 1 DRAINING) and {@code listener_manager.workers_started} that Istio's agent looks for;
     * {@code filter} (a regex, found anywhere in the name) and {@code usedonly} (non-zero) as Envoy.
     */
    private Response envoyStats(Request req) {
        Pattern filter;
        try {
            filter = req.param("filter") == null ? null : Pattern.compile(req.param("filter"));
        } catch (PatternSyntaxException e) {
            return Response.text(400, "filter: invalid regex: " + e.getDescription());
        }
        boolean usedOnly = req.query().containsKey("usedonly");
        Map<String, Long> lines = new TreeMap<>();
        lines.put("server.state", server.draining() ? 1L : 0L);
        lines.put("listener_manager.workers_started", 1L);
        lines.put("server.uptime", (System.currentTimeMillis() - server.startedMillis()) / 1000);
        server.registry().snapshot().forEach(lines::put);
        for (StatsRegistry.Group g : server.registry().groups()) {
            String prefix = g.type() + "." + namespace(g.labels()) + ".";
            for (StatsRegistry.Value v : g.values()) {
                if (v.kind() == StatsRegistry.Kind.HISTOGRAM) {
                    lines.put(prefix + v.key() + "_count", v.histogram().count());
                } else {
                    lines.put(prefix + v.key(), v.number());
                }
            }
        }
        StringBuilder b = new StringBuilder();
        lines.forEach((k, v) -> {
            if ((filter == null || filter.matcher(k).find()) && (!usedOnly || v != 0 || k.equals("server.state"))) {
                b.append(k).append(": ").append(v).append('\n');
            }
        });
        return new Response(200, "text/plain; charset=utf-8", b.toString().getBytes(StandardCharsets.UTF_8));
    }

    static String version() {
        Properties p = new Properties();
        try (InputStream in = AdminRoutes.class.getResourceAsStream("/mosn-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // unknown
        }
        return p.getProperty("version", "unknown");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
