package io.mosn4j.stats;

import io.mosn4j.config.MetricsConfig;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What a Prometheus sink (and the admin's {@code /stats/prometheus}) serves: MOSN's metrics from
 * the {@link StatsRegistry} in {@link PrometheusText}, then the process's and the JVM's own
 * (MOSN's {@code disable_collect_process} / {@code disable_collect_go}) from the Prometheus Java
 * client's collectors and text writer. Built on scrape, off the event loops. The collectors are
 * registered on the first scrape, not at start: they read the client's properties and start the
 * JVM's management beans, some 10-20 ms that a proxy's first request should not wait for.
 */
public final class PrometheusSink {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StatsRegistry stats;
    private final List<Integer> percentiles;
    private final boolean process;
    private final boolean jvm;
    private PrometheusRegistry runtime; // guarded by this; null until the first scrape
    private PrometheusTextFormatWriter writer; // guarded by this

    public PrometheusSink(StatsRegistry stats, List<Integer> percentiles, boolean process, boolean jvm) {
        this.stats = stats;
        this.percentiles = List.copyOf(percentiles);
        this.process = process;
        this.jvm = jvm;
    }

    public static PrometheusSink of(StatsRegistry stats, MetricsConfig.PrometheusSink config) {
        return new PrometheusSink(stats, config.percentiles(), config.collectProcess(), config.collectJvm());
    }

    public byte[] scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16384);
        out.write(PrometheusText.write(stats, percentiles).getBytes(StandardCharsets.UTF_8));
        synchronized (this) {
            if (runtime == null) {
                runtime = collectors(process, jvm);
                writer = PrometheusTextFormatWriter.create();
            }
            writer.write(out, runtime.scrape());
        }
        return out.toByteArray();
    }

    private static PrometheusRegistry collectors(boolean process, boolean jvm) {
        PrometheusRegistry registry = new PrometheusRegistry();
        if (process) {
            ProcessMetrics.builder().register(registry);
        }
        if (jvm) {
            JvmMemoryMetrics.builder().register(registry);
            JvmThreadsMetrics.builder().register(registry);
            JvmGarbageCollectorMetrics.builder().register(registry);
            JvmClassLoadingMetrics.builder().register(registry);
            JvmBufferPoolMetrics.builder().register(registry);
        }
        return registry;
    }
}
