package io.mosn4j.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which TLS implementation runs the standard suites: BoringSSL through netty-tcnative when its
 * native library loads, else the JDK's (said once in the log, with why). {@code
 * -Dmosn4j.tls.engine=jdk} chooses the JDK's on purpose (for comparisons). The SM suites always
 * run on Bouncy Castle ({@link SmTlsHandler}).
 */
final class TlsEngine {
    private static final Logger log = LoggerFactory.getLogger(TlsEngine.class);
    private static final AtomicBoolean SAID = new AtomicBoolean();

    static {
        // Netty turns BoringSSL's TLS 1.3 session tickets on only when these say so (read once, when its
        // OpenSSL context class loads); the JDK's engine has them on by default. A user's -D still wins.
        for (String p : new String[] {"jdk.tls.server.enableSessionTicketExtension", "jdk.tls.client.enableSessionTicketExtension"}) {
            if (System.getProperty(p) == null) {
                System.setProperty(p, "true");
            }
        }
    }

    private TlsEngine() {}

    static SslProvider provider() {
        boolean jdkAsked = "jdk".equalsIgnoreCase(System.getProperty("mosn4j.tls.engine", ""));
        boolean ok = !jdkAsked && OpenSsl.isAvailable();
        if (SAID.compareAndSet(false, true)) {
            if (ok) {
                log.info("TLS engine: {} (netty-tcnative)", OpenSsl.versionString());
            } else if (jdkAsked) {
                log.info("TLS engine: the JDK's (-Dmosn4j.tls.engine=jdk)");
            } else {
                Throwable why = OpenSsl.unavailabilityCause();
                log.warn("TLS engine: the JDK's, slower: BoringSSL (netty-tcnative) cannot load here: {}",
                        why == null ? "unknown reason" : why.toString());
            }
        }
        return ok ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** The name of engine {@code provider}, for log lines and errors. */
    static String name(SslProvider provider) {
        return provider == SslProvider.OPENSSL ? "BoringSSL" : "JDK";
    }
}
