package io.mosn4j.tls;

import io.mosn4j.api.config.ConfigException;
import io.mosn4j.api.protocol.ProtocolCodec;
import io.mosn4j.api.stats.Stats;
import io.mosn4j.api.tls.CertificateProvider;
import io.mosn4j.config.FilterChainConfig;
import io.mosn4j.config.JsonConfigValue;
import io.mosn4j.config.Registry;
import io.mosn4j.config.TlsContextConfig;
import io.mosn4j.log.Throttle;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns {@code tls_context} configs into the TLS of listeners' chains ({@link ServerTls}) and of
 * clusters ({@link ClientTls}): every field checked and every certificate read here, at load,
 * off the event loops, errors naming the field. Owns what the process's TLS shares: the
 * certificate providers found on the class path, the certificate watcher, the counters.
 *
 * <p>Counters: {@code listener.<name>.tls.handshake}, {@code …handshake_failure}, {@code
 * …plaintext} (served by the inspector) and {@code …not_tls} (closed); {@code
 * cluster.<name>.tls.handshake}, {@code …handshake_failure}, {@code …fallback}; process-wide
 * {@code downstream.tls.handshake_failure} and {@code upstream.tls.handshake_failure}.
 */
public final class TlsContexts {
    private static final Logger log = LoggerFactory.getLogger("tls");

    private final Registry<CertificateProvider> providers;
    private final Stats stats;
    private final Set<String> codecAlpnNames;
    private final Set<List<String>> codecAlpnLists;
    private final CertificateWatch watch = new CertificateWatch();

    public TlsContexts(Registry<CertificateProvider> providers, Stats stats, Collection<ProtocolCodec> codecs) {
        this.providers = providers;
        this.stats = stats;
        Set<String> names = new LinkedHashSet<>();
        Set<List<String>> lists = new LinkedHashSet<>();
        for (ProtocolCodec c : codecs) {
            c.alpn().forEach(a -> names.add(a.toLowerCase(Locale.ROOT)));
            names.add(c.name().toLowerCase(Locale.ROOT));
            if (!c.alpn().isEmpty()) {
                lists.add(List.copyOf(c.alpn()));
            }
        }
        this.codecAlpnNames = Set.copyOf(names);
        this.codecAlpnLists = Set.copyOf(lists);
    }

    /** Every {@link CertificateProvider} on {@code loader}'s class path, by type. */
    public static Registry<CertificateProvider> loadProviders(ClassLoader loader) {
        return Registry.load("certificate provider", CertificateProvider.class, loader, CertificateProvider::type, true);
    }

    /**
     * The TLS of filter chain {@code config} (at {@code raw}) of listener {@code listener}, or null
     * when none of its contexts is on.
     */
    public ServerTls server(String listener, boolean inspector, FilterChainConfig config, JsonConfigValue raw) {
        List<TlsContextConfig> configs = new ArrayList<>();
        List<JsonConfigValue> paths = new ArrayList<>();
        if (config.tlsContext() != null && config.tlsContext().enabled()) {
            configs.add(config.tlsContext());
            paths.add(raw.get("tls_context"));
        }
        for (int i = 0; i < config.tlsContextSet().size(); i++) {
            TlsContextConfig c = config.tlsContextSet().get(i);
            if (c != null && c.enabled()) {
                configs.add(c);
                paths.add(raw.get("tls_context_set").at(i));
            }
        }
        if (configs.isEmpty()) {
            return null;
        }
        List<ServerCertificate> certs = new ArrayList<>();
        for (int i = 0; i < configs.size(); i++) {
            TlsContextConfig c = configs.get(i);
            JsonConfigValue at = paths.get(i);
            TlsSettings s = TlsSettings.parse(c, at, true, providers, codecAlpnNames); // a bad setting is refused, fall_back or not
            try {
                ServerCertificate cert = new ServerCertificate(s, "listener " + listener + " (" + at.path() + ")");
                watch(cert, s, cert.files());
                certs.add(cert);
            } catch (ConfigException e) {
                if (!c.fallBack()) {
                    throw e;
                }
                log.error("listener {}: {}; this tls_context is skipped because fall_back is set", listener, e.getMessage());
            }
        }
        if (certs.isEmpty()) {
            log.error("listener {} ({}): no TLS certificate could be read; serving PLAINTEXT because fall_back is set", listener, raw.path());
            return null;
        }
        String p = "listener." + listener + ".tls.";
        HandshakeOutcome.Sink sink = new HandshakeOutcome.Sink("listener " + listener, stats.counter(p + "handshake_failure"),
                stats.counter("downstream.tls.handshake_failure"), stats.counter(p + "handshake"), new Throttle(1, TimeUnit.SECONDS));
        return new ServerTls(listener, inspector, certs, sink, stats.counter(p + "plaintext"), stats.counter(p + "not_tls"));
    }

    /** The TLS of cluster {@code cluster}'s connections from {@code config} (at {@code raw}), or null when it is off. */
    public ClientTls client(String cluster, TlsContextConfig config, JsonConfigValue raw) {
        if (config == null || !config.enabled()) {
            return null;
        }
        TlsSettings s = TlsSettings.parse(config, raw, false, providers, codecAlpnNames);
        try {
            String p = "cluster." + cluster + ".tls.";
            HandshakeOutcome.Sink sink = new HandshakeOutcome.Sink("cluster " + cluster, stats.counter(p + "handshake_failure"),
                    stats.counter("upstream.tls.handshake_failure"), stats.counter(p + "handshake"), new Throttle(1, TimeUnit.SECONDS));
            ClientTls tls = new ClientTls(s, "cluster " + cluster + " (" + raw.path() + ")", codecAlpnLists, sink,
                    stats.counter(p + "fallback"));
            watch(tls, s, tls.files());
            return tls;
        } catch (ConfigException e) {
            if (!config.fallBack()) {
                throw e;
            }
            log.error("cluster {}: {}; connecting in PLAINTEXT because fall_back is set", cluster, e.getMessage());
            return null;
        }
    }

    private void watch(CertificateWatch.Reloadable target, TlsSettings s, List<java.nio.file.Path> files) {
        watch.watch(target, files);
        WeakReference<CertificateWatch.Reloadable> ref = new WeakReference<>(target);
        s.source().watch(() -> CertificateWatch.reloadSoon(ref));
    }
}
