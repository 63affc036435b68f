package io.mosn4j.protocol.bolt;

import io.mosn4j.api.protocol.XProtocolException;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * The header block SOFARPC writes into a bolt frame (its {@code SimpleMapSerializer}): a sequence of
 * key/value pairs, each string written as a big-endian int32 byte length and that many UTF-8 bytes.
 * A length of 0 is the empty string; a negative length (SOFARPC writes -1) is null, and a pair with
 * a null key or value is skipped, as SOFARPC's reader does. There is no count and no terminator:
 * pairs run to the end of the block.
 */
final class BoltHeaderMap {
    private BoltHeaderMap() {}

    /**
     * Checks that the block at {@code index} splits into whole pairs, without building any string.
     * {@code frameOffset} is where the block starts in its frame, for the error message.
     */
    static void validate(ByteBuf buf, int index, int length, String protocol, int frameOffset) {
        int end = index + length;
        int pos = index;
        boolean key = true;
        while (pos < end) {
            String what = key ? "header map key" : "header map value";
            if (end - pos < 4) {
                throw new XProtocolException(protocol + ": truncated " + what + " length at offset "
                        + (frameOffset + pos - index));
            }
            int n = buf.getInt(pos);
            if (n > end - pos - 4) {
                throw new XProtocolException(protocol + ": " + what + " length " + n
                        + " runs past the end of the header map at offset " + (frameOffset + pos - index));
            }
            pos += 4 + Math.max(n, 0);
            key = !key;
        }
        if (!key) {
            throw new XProtocolException(protocol + ": header map key without a value at offset "
                    + (frameOffset + length));
        }
    }

    /**
     * The pairs of an already {@linkplain #validate validated} block, in order. SOFARPC writes a
     * map, so keys do not repeat; if one does, both pairs are kept (lookups see the first).
     */
    static Headers parse(ByteBuf buf, int index, int length) {
        Headers headers = new Headers(pairs(buf, index, length));
        int end = index + length;
        int pos = index;
        while (pos < end) {
            int keyLength = buf.getInt(pos);
            pos += 4;
            String key = keyLength < 0 ? null : key(buf, pos, keyLength);
            pos += Math.max(keyLength, 0);
            int valueLength = buf.getInt(pos);
            pos += 4;
            String value = valueLength < 0 ? null : buf.toString(pos, valueLength, StandardCharsets.UTF_8);
            pos += Math.max(valueLength, 0);
            if (key != null && value != null) {
                headers.add(key, value);
            }
        }
        return headers;
    }

    /** How many pairs a validated block holds, so the header block is sized once. */
    private static int pairs(ByteBuf buf, int index, int length) {
        int end = index + length;
        int pos = index;
        int strings = 0;
        while (pos < end) {
            pos += 4 + Math.max(buf.getInt(pos), 0);
            strings++;
        }
        return strings / 2;
    }

    /**
     * The keys SOFARPC writes on every request (routing and tracing): shared constants instead of a
     * new String per key per request.
     */
    private static final String[] KNOWN_KEYS = {
        "service", "sofa_head_target_service", "sofa_head_method_name", "sofa_head_target_app",
        "sofa_head_response_error", "protocol", "new_rpc_trace_context",
        "rpc_trace_context.sofaTraceId", "rpc_trace_context.sofaRpcId", "rpc_trace_context.sofaCallerIp",
        "rpc_trace_context.sofaCallerApp", "rpc_trace_context.sofaCallerZone", "rpc_trace_context.sofaCallerIdc",
        "rpc_trace_context.sofaPenAttrs", "rpc_trace_context.sysPenAttrs",
    };
    private static final byte[][] KNOWN_KEY_BYTES = new byte[KNOWN_KEYS.length][];

    static {
        for (int i = 0; i < KNOWN_KEYS.length; i++) {
            KNOWN_KEY_BYTES[i] = KNOWN_KEYS[i].getBytes(StandardCharsets.US_ASCII);
        }
    }

    private static String key(ByteBuf buf, int pos, int length) {
        for (int i = 0; i < KNOWN_KEY_BYTES.length; i++) {
            byte[] k = KNOWN_KEY_BYTES[i];
            if (k.length == length && sameBytes(buf, pos, k)) {
                return KNOWN_KEYS[i];
            }
        }
        return buf.toString(pos, length, StandardCharsets.UTF_8);
    }

    private static boolean sameBytes(ByteBuf buf, int pos, byte[] expected) {
        for (int i = 0; i < expected.length; i++) {
            if (buf.getByte(pos + i) != expected[i]) {
                return false;
            }
        }
        return true;
    }
}
