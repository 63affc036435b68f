package io.mosn4j.tls;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rotates certificates without a restart: looks at the files TLS contexts were read from once a
 * second (size, modification time, file identity: a Kubernetes secret swaps a symlink, which no
 * file-change event reports), and when one changed has its context read them again, on this
 * watcher's thread. New handshakes use the new certificate; established connections keep theirs.
 * Contexts are held weakly: a listener or cluster replaced and gone is forgotten.
 */
final class CertificateWatch {
    private static final Logger log = LoggerFactory.getLogger("tls");
    static final long INTERVAL_MILLIS = Long.getLong("mosn4j.tls.watch_interval_ms", 1000);

    /** A context that can read its certificates again. */
    interface Reloadable {
        /** Reads again and swaps; throws (a ConfigException naming the field) when the new files cannot be used. */
        void reload();

        String describe();
    }

    /** One watched context: its files as last read, and the last failure logged (not repeated every second). */
    private static final class Entry {
        final WeakReference<Reloadable> target;
        final List<Path> files;
        List<Object> stamps;
        String lastError;

        Entry(Reloadable target, List<Path> files) {
            this.target = new WeakReference<>(target);
            this.files = List.copyOf(files);
            this.stamps = stamps(files);
        }
    }

    private final List<Entry> entries = new CopyOnWriteArrayList<>();
    private Thread thread;

    synchronized void watch(Reloadable target, List<Path> files) {
        if (files.isEmpty()) {
            return;
        }
        entries.add(new Entry(target, files));
        if (thread == null) {
            thread = Thread.ofPlatform().daemon().name("mosn-tls-watch").start(this::run);
        }
    }

    /** Reads {@code target} again now, on a thread of its own (a certificate provider said it changed). */
    static void reloadSoon(WeakReference<Reloadable> target) {
        Thread.ofVirtual().name("mosn-tls-reload").start(() -> {
            Reloadable r = target.get();
            if (r != null) {
                reload(r, null);
            }
        });
    }

    private void run() {
        while (true) {
            try {
                Thread.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            for (Entry e : entries) {
                Reloadable r = e.target.get();
                if (r == null) {
                    entries.remove(e);
                    continue;
                }
                List<Object> now = stamps(e.files);
                if (now.equals(e.stamps)) {
                    continue;
                }
                String error = reload(r, e.lastError);
                if (error == null) {
                    e.stamps = now;
                }
                e.lastError = error; // tried again next time: a key and its certificate are seldom written at the same instant
            }
        }
    }

    /** Null when the new certificates are in use; else why not (logged unless it is {@code lastError}), the old ones staying. */
    private static String reload(Reloadable r, String lastError) {
        try {
            r.reload();
            log.info("{}: certificates read again; new handshakes use them", r.describe());
            return null;
        } catch (RuntimeException e) {
            String why = String.valueOf(e.getMessage());
            if (!why.equals(lastError)) {
                log.error("{}: cannot use the changed certificates, keeping the previous ones: {}", r.describe(), why);
            }
            return why;
        }
    }

    private static List<Object> stamps(List<Path> files) {
        List<Object> out = new ArrayList<>(files.size());
        for (Path p : files) {
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                out.add(List.of(a.lastModifiedTime().toMillis(), a.size(), String.valueOf(a.fileKey())));
            } catch (IOException e) {
                out.add("missing");
            }
        }
        return out;
    }
}
