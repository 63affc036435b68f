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
 * client's collectors and text writer. Built on scrape, off the event loops.
 */
public final class PrometheusSink {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StatsRegistry stats;
    private final List<Integer> percentiles;
    private final PrometheusRegistry runtime = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    public PrometheusSink(StatsRegistry stats, List<Integer> percentiles, boolean process, boolean jvm) {
        this.stats = stats;
        this.percentiles = List.copyOf(percentiles);
        if (process) {
            ProcessMetrics.builder().register(runtime);
        }
        if (jvm) {
            JvmMemoryMetrics.builder().register(runtime);
            JvmThreadsMetrics.builder().register(runtime);
            JvmGarbageCollectorMetrics.builder().register(runtime);
            JvmClassLoadingMetrics.builder().register(runtime);
            JvmBufferPoolMetrics.builder().register(runtime);
        }
    }

    public static PrometheusSink of(StatsRegistry stats, MetricsConfig.PrometheusSink config) {
        return new PrometheusSink(stats, config.percentiles(), config.collectProcess(), config.collectJvm());
    }

    public byte[] scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16384);
        out.write(PrometheusText.write(stats, percentiles).getBytes(StandardCharsets.UTF_8));
        writer.write(out, runtime.scrape());
        return out.toByteArray();
    }
}
