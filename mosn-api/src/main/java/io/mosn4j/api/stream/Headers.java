package io.mosn4j.api.stream;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The header block of one direction of a stream, in a protocol-neutral form.
 *
 * <p>Request and response "lines" travel as pseudo-headers, as in HTTP/2: {@link #METHOD},
 * {@link #PATH}, {@link #AUTHORITY}, {@link #SCHEME} on requests, {@link #STATUS} on responses.
 * A codec turns its wire format into this and back; everything between (proxy, router, filters)
 * reads only this. RPC protocols expose their routing keys (service, method, ...) as ordinary
 * entries.
 *
 * <p>Names keep the case they were given and are looked up ignoring ASCII case. Lookups scan a
 * small array: header blocks are short, and this allocates nothing per lookup. Not thread-safe:
 * a header block belongs to the event loop of the stream that carries it.
 *
 * <p>A block may be {@linkplain #lazy decoded on first use} (an RPC frame's routing fields), and
 * records whether anything changed it after that ({@link #isModified()}), so a codec that carries
 * the original message on writes the change back into it.
 */
public final class Headers {
    public static final String METHOD = ":method";
    public static final String PATH = ":path";
    public static final String AUTHORITY = ":authority";
    public static final String SCHEME = ":scheme";
    public static final String STATUS = ":status";

    private static final String[] NONE = {};

    private String[] names;
    private String[] values;
    private int size;
    private StreamMessage message;
    private static final int STATUS_UNREAD = Integer.MIN_VALUE;
    /** {@link #status()}'s answer, or STATUS_UNREAD since the block last changed. */
    private int status = STATUS_UNREAD;
    private Loader loader;
    private boolean modified;

    /** Fills a lazily decoded block on its first use. */
    @FunctionalInterface
    public interface Loader {
        /** What {@link #peek} returns when it cannot answer without decoding the block. */
        String NO_PEEK = new String("(not peeked)");

        /**
         * Adds the block's entries to {@code into}.
         *
         * @throws MessageDecodeException when they cannot be decoded
         */
        void load(Headers into);

        /**
         * The value {@link Headers#get} would return for {@code name} once {@code block} is loaded,
         * read from the undecoded block (a router reading one field of an RPC frame decodes no other),
         * or {@link #NO_PEEK} when this loader cannot tell, or the block does not decode: then the
         * block is loaded, and a block that does not decode reports it.
         */
        default String peek(Headers block, String name) {
            return NO_PEEK;
        }
    }

    public Headers() {
        this(16);
    }

    public Headers(int capacity) {
        names = new String[Math.max(capacity, 4)];
        values = new String[names.length];
    }

    public static Headers request(String method, String path, String authority) {
        Headers h = new Headers();
        h.add(METHOD, method);
        h.add(PATH, path);
        if (authority != null) {
            h.add(AUTHORITY, authority);
        }
        return h;
    }

    private Headers(StreamMessage message, Loader loader) {
        names = NONE;
        values = NONE;
        this.message = message;
        this.loader = loader;
    }

    /**
     * A block of {@code message} whose entries are decoded by {@code loader} the first time anything
     * reads or changes it. A failing load throws {@link MessageDecodeException} from that first
     * access, and again from every later one. Nothing but this object is allocated until then; a
     * loader that knows how many entries it adds sizes the block with {@link #ensureCapacity}.
     */
    public static Headers lazy(StreamMessage message, Loader loader) {
        return new Headers(message, loader);
    }

    public static Headers response(int status) {
        Headers h = new Headers();
        h.add(STATUS, statusText(status));
        return h;
    }

    /** Three-digit statuses as {@link #STATUS} values, made once: a response's status is no new string. */
    private static final String[] STATUS_TEXT = new String[900];

    static {
        for (int i = 0; i < STATUS_TEXT.length; i++) {
            STATUS_TEXT[i] = Integer.toString(100 + i);
        }
    }

    /** {@code status} as a {@link #STATUS} value: a shared string for 100-999. */
    public static String statusText(int status) {
        return status >= 100 && status <= 999 ? STATUS_TEXT[status - 100] : Integer.toString(status);
    }

    /**
     * The protocol message these headers were decoded from, when the same protocol encodes it again
     * on the other side (an RPC frame passes through whole, its request id remapped); else null.
     */
    public StreamMessage message() {
        return message;
    }

    public void setMessage(StreamMessage message) {
        this.message = message;
    }

    /** Releases the {@linkplain #message() message} this block carries, if any. */
    public void releaseMessage() {
        if (message != null) {
            message.release();
        }
    }

    /** Whether an entry was added, set or removed since the block was built (or loaded). */
    public boolean isModified() {
        return modified;
    }

    /** Whether the block was decoded already (always true unless {@linkplain #lazy lazy}). */
    public boolean isLoaded() {
        return loader == null;
    }

    /**
     * The loader that has not filled this block yet, or null once it has (and for a block built
     * entry by entry). While it is pending nothing has read the block's entries or changed them, so
     * the codec that made the loader may write the block from what its loader holds (an HTTP/1
     * response's fields pass on as the bytes they came in as).
     */
    public Loader pendingLoader() {
        return loader;
    }

    private void ensureLoaded() {
        if (loader != null) {
            Loader l = loader;
            loader = null; // the loader's own add() calls must not load again
            try {
                l.load(this);
            } catch (RuntimeException e) { // MessageDecodeException, or a bug (read after release)
                clearEntries();
                modified = false; // what the loader added before it failed was never the block's
                loader = l; // stays unloaded: every access reports the failure
                throw e;
            }
            modified = false;
        }
    }

    public int size() {
        ensureLoaded();
        return size;
    }

    public boolean isEmpty() {
        ensureLoaded();
        return size == 0;
    }

    public String name(int i) {
        ensureLoaded();
        return names[i];
    }

    public String value(int i) {
        ensureLoaded();
        return values[i];
    }

    /** The first value of {@code name}, or null. */
    public String get(String name) {
        if (loader != null) {
            String v = loader.peek(this, name);
            if (v != Loader.NO_PEEK) {
                return v;
            }
        }
        ensureLoaded();
        int i = indexOf(name, 0);
        return i < 0 ? null : values[i];
    }

    public List<String> getAll(String name) {
        ensureLoaded();
        List<String> all = new ArrayList<>(2);
        for (int i = indexOf(name, 0); i >= 0; i = indexOf(name, i + 1)) {
            all.add(values[i]);
        }
        return all;
    }

    public boolean contains(String name) {
        ensureLoaded();
        return indexOf(name, 0) >= 0;
    }

    public Headers add(String name, String value) {
        ensureLoaded();
        modified = true;
        status = STATUS_UNREAD;
        if (size == names.length) {
            grow(Math.max(size * 2, 8));
        }
        names[size] = name;
        values[size] = value;
        size++;
        return this;
    }

    /** Replaces every value of {@code name} with one, keeping the position of the first. */
    public Headers set(String name, String value) {
        ensureLoaded();
        int i = indexOf(name, 0);
        if (i < 0) {
            return add(name, value);
        }
        modified = true;
        status = STATUS_UNREAD;
        values[i] = value;
        removeFrom(name, i + 1);
        return this;
    }

    /** Removes every value of {@code name}; returns whether there was one. */
    public boolean remove(String name) {
        ensureLoaded();
        boolean removed = removeFrom(name, 0);
        modified |= removed;
        return removed;
    }

    public void forEach(BiConsumer<String, String> action) {
        ensureLoaded();
        for (int i = 0; i < size; i++) {
            action.accept(names[i], values[i]);
        }
    }

    public String method() {
        return get(METHOD);
    }

    public String path() {
        return get(PATH);
    }

    /** The request's authority (HTTP/2 :authority, HTTP/1 Host). */
    public String authority() {
        return get(AUTHORITY);
    }

    /** The response status, or -1 when there is none or it is not a number. */
    public int status() {
        int st = status;
        if (st == STATUS_UNREAD) {
            // read several times per response (retry policy, metrics, outlier detection, access
            // log): looked up once until the block changes
            String s = get(STATUS);
            st = -1;
            if (s != null) {
                try {
                    st = Integer.parseInt(s);
                } catch (NumberFormatException e) {
                    st = -1;
                }
            }
            status = st;
        }
        return st;
    }

    /**
     * Makes room for {@code entries} entries in all, so that a block filled with a known number of
     * entries (by a {@linkplain #lazy loader}) is sized once. Does not load the block.
     */
    public void ensureCapacity(int entries) {
        if (entries > names.length) {
            grow(entries);
        }
    }

    private void grow(int capacity) {
        names = java.util.Arrays.copyOf(names, capacity);
        values = java.util.Arrays.copyOf(values, capacity);
    }

    public Headers copy() {
        ensureLoaded();
        Headers c = new Headers(size);
        System.arraycopy(names, 0, c.names, 0, size);
        System.arraycopy(values, 0, c.values, 0, size);
        c.size = size;
        return c;
    }

    private void clearEntries() {
        status = STATUS_UNREAD;
        for (int i = 0; i < size; i++) {
            names[i] = null;
            values[i] = null;
        }
        size = 0;
    }

    private boolean removeFrom(String name, int from) {
        status = STATUS_UNREAD;
        boolean removed = false;
        int w = from;
        for (int r = from; r < size; r++) {
            if (names[r].equalsIgnoreCase(name)) {
                removed = true;
                continue;
            }
            names[w] = names[r];
            values[w] = values[r];
            w++;
        }
        for (int i = w; i < size; i++) {
            names[i] = null;
            values[i] = null;
        }
        size = w;
        return removed;
    }

    private int indexOf(String name, int from) {
        for (int i = from; i < size; i++) {
            if (names[i].equalsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        if (loader != null) {
            return "Headers{not decoded}";
        }
        StringBuilder sb = new StringBuilder("Headers{");
        for (int i = 0; i < size; i++) {
            sb.append(i == 0 ? "" : ", ").append(names[i]).append(": ").append(values[i]);
        }
        return sb.append('}').toString();
    }
}
