package io.mosn4j.protocol.xprotocol;

import io.netty.util.collection.LongObjectHashMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An upstream connection's calls in flight by request id. The connection hands ids out in
 * sequence, so the ids in flight at once form a window: each goes in the array slot its low bits
 * name, no hashing and no probing, and consecutive calls share cache lines. An id whose slot still
 * holds an older call (one slow answer while thousands went by) goes to an overflow map; the array
 * doubles, up to {@link #MAX_SLOTS}, while it is more than half full.
 *
 * <p>A hash map with the ids mixed cost ~4% of a bolt call's CPU in cache misses, and without the
 * mix its runs of consecutive ids made every removal scan. Values may be null (an id a one-way
 * request or a heartbeat holds). One event loop's: not thread-safe.
 */
final class InFlightIds<V> {
    static final int MIN_SLOTS = 16;
    static final int MAX_SLOTS = 4096;
    /** What a slot holds for a null value. */
    private static final Object NULL = new Object();

    private long[] ids = new long[MIN_SLOTS];
    private Object[] values = new Object[MIN_SLOTS];
    private int inSlots;
    private LongObjectHashMap<Object> overflow;
    private int size;

    /** Tracks {@code id} with {@code value}, which may be null; an id tracked already gets the new value. */
    void put(long id, V value) {
        Object v = value == null ? NULL : value;
        int i = (int) id & (values.length - 1);
        if (values[i] == null) {
            ids[i] = id;
            values[i] = v;
            inSlots++;
            size++;
            if (inSlots > values.length / 2 && values.length < MAX_SLOTS) {
                grow();
            }
        } else if (ids[i] == id) {
            values[i] = v;
        } else {
            if (overflow == null) {
                overflow = new LongObjectHashMap<>();
            }
            if (overflow.put(id, v) == null) {
                size++;
            }
        }
    }

    /** Stops tracking {@code id}; its value, or null when it was not tracked (or its value was null). */
    V remove(long id) {
        int i = (int) id & (values.length - 1);
        Object v = values[i];
        if (v != null && ids[i] == id) {
            values[i] = null;
            inSlots--;
            size--;
            return unwrap(v);
        }
        if (overflow != null && !overflow.isEmpty()) {
            v = overflow.remove(id);
            if (v != null) {
                size--;
                return unwrap(v);
            }
        }
        return null;
    }

    boolean contains(long id) {
        int i = (int) id & (values.length - 1);
        if (values[i] != null && ids[i] == id) {
            return true;
        }
        return overflow != null && overflow.containsKey(id);
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /** The values tracked (nulls included), in no particular order. */
    List<V> values() {
        List<V> all = new ArrayList<>(size);
        for (Object v : values) {
            if (v != null) {
                all.add(unwrap(v));
            }
        }
        if (overflow != null) {
            for (Object v : overflow.values()) {
                all.add(unwrap(v));
            }
        }
        return all;
    }

    void clear() {
        Arrays.fill(values, null);
        inSlots = 0;
        overflow = null;
        size = 0;
    }

    private void grow() {
        long[] oldIds = ids;
        Object[] oldValues = values;
        ids = new long[oldValues.length * 2];
        values = new Object[oldValues.length * 2];
        size -= inSlots;
        inSlots = 0;
        for (int j = 0; j < oldValues.length; j++) {
            if (oldValues[j] != null) {
                putMoved(oldIds[j], oldValues[j]);
            }
        }
    }

    private void putMoved(long id, Object v) {
        int i = (int) id & (values.length - 1);
        if (values[i] == null) {
            ids[i] = id;
            values[i] = v;
            inSlots++;
        } else {
            if (overflow == null) {
                overflow = new LongObjectHashMap<>();
            }
            overflow.put(id, v);
        }
        size++;
    }

    @SuppressWarnings("unchecked")
    private static <V> V unwrap(Object v) {
        return v == NULL ? null : (V) v;
    }
}
