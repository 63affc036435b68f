package io.mosn4j.protocol.bolt;

import io.mosn4j.api.protocol.XProtocolException;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

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
     * Checks that {@code block} splits into whole pairs, without building any string.
     * {@code frameOffset} is where the block starts in its frame, for the error message.
     */
    static void validate(byte[] block, String protocol, int frameOffset) {
        int end = block.length;
        int pos = 0;
        boolean key = true;
        while (pos < end) {
            String what = key ? "header map key" : "header map value";
            if (end - pos < 4) {
                throw new XProtocolException(protocol + ": truncated " + what + " length at offset " + (frameOffset + pos));
            }
            int n = (int) INT.get(block, pos);
            if (n > end - pos - 4) {
                throw new XProtocolException(protocol + ": " + what + " length " + n
                        + " runs past the end of the header map at offset " + (frameOffset + pos));
            }
            pos += 4 + Math.max(n, 0);
            key = !key;
        }
        if (!key) {
            throw new XProtocolException(protocol + ": header map key without a value at offset " + (frameOffset + end));
        }
    }

    /**
     * Adds the pairs of an already {@linkplain #validate validated} block to {@code headers}, in
     * order. SOFARPC writes a map, so keys do not repeat; if one does, both pairs are kept (lookups
     * see the first).
     */
    static void parse(byte[] block, Headers headers) {
        headers.ensureCapacity(pairs(block));
        int pos = 0;
        while (pos < block.length) {
            int keyLength = (int) INT.get(block, pos);
            pos += 4;
            String key = keyLength < 0 ? null : key(block, pos, keyLength);
            pos += Math.max(keyLength, 0);
            int valueLength = (int) INT.get(block, pos);
            pos += 4;
            String value = valueLength < 0 ? null : new String(block, pos, valueLength, StandardCharsets.UTF_8);
            pos += Math.max(valueLength, 0);
            if (key != null && value != null) {
                headers.add(key, value);
            }
        }
    }

    /**
     * What {@link Headers#get} returns for {@code name} once {@link #parse} filled a block from
     * {@code block} (validated): the value of the first pair with both strings whose key equals
     * {@code name} ignoring case, or null. Only that value becomes a string; a key with bytes
     * outside ASCII is decoded and compared as the loaded block would compare it.
     */
    static String find(byte[] block, String name) {
        boolean asciiName = ascii(name);
        int n = name.length();
        int pos = 0;
        while (pos < block.length) {
            int keyLength = (int) INT.get(block, pos);
            int keyAt = pos + 4;
            pos = keyAt + Math.max(keyLength, 0);
            int valueLength = (int) INT.get(block, pos);
            int valueAt = pos + 4;
            pos = valueAt + Math.max(valueLength, 0);
            if (keyLength < 0 || valueLength < 0) {
                continue;
            }
            boolean match;
            if (!asciiName) {
                match = decodedMatch(block, keyAt, keyLength, name);
            } else if (keyLength == n) {
                // the same number of bytes as an ASCII name's chars: a key with a byte outside
                // ASCII would have fewer chars, so only ASCII can match
                match = asciiEqualsIgnoreCase(block, keyAt, name);
            } else {
                // more bytes than the name has chars: equal only through characters outside ASCII
                // that String.equalsIgnoreCase folds to ASCII (U+017F to s, U+212A to k), at most
                // 3 bytes each, as the decoded block would compare them
                match = keyLength > n && keyLength <= 3 * n && !ascii(block, keyAt, keyLength)
                        && decodedMatch(block, keyAt, keyLength, name);
            }
            if (match) {
                return new String(block, valueAt, valueLength, StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static boolean asciiEqualsIgnoreCase(byte[] block, int at, String name) {
        for (int i = 0; i < name.length(); i++) {
            int b = block[at + i];
            char c = name.charAt(i);
            if (b != c && (b < 0 || Character.toLowerCase((char) b) != Character.toLowerCase(c))) {
                return false;
            }
        }
        return true;
    }

    private static boolean decodedMatch(byte[] block, int at, int length, String name) {
        return new String(block, at, length, StandardCharsets.UTF_8).equalsIgnoreCase(name);
    }

    private static boolean ascii(byte[] block, int at, int length) {
        for (int i = at; i < at + length; i++) {
            if (block[i] < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean ascii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    // ---------------------------------------------------------------- writing back

    /**
     * Whether entry {@code i} of {@code headers} goes into a written block: its value is not null
     * and no entry before it has its name (ignoring case, as lookups do). A name given twice is
     * written once, with the value lookups return; SOFARPC reads the block into a map anyway.
     */
    static boolean written(Headers headers, int i) {
        if (headers.value(i) == null) {
            return false;
        }
        String name = headers.name(i);
        for (int j = 0; j < i; j++) {
            if (headers.name(j).equalsIgnoreCase(name)) {
                return false;
            }
        }
        return true;
    }

    /** The bytes {@link #write} takes for {@code headers}. */
    static int encodedLength(Headers headers) {
        int length = 0;
        for (int i = 0, n = headers.size(); i < n; i++) {
            if (written(headers, i)) {
                length += 8 + ByteBufUtil.utf8Bytes(headers.name(i)) + ByteBufUtil.utf8Bytes(headers.value(i));
            }
        }
        return length;
    }

    /** Writes {@code headers} as SOFARPC's block: each pair in order, each string length-prefixed UTF-8. */
    static void write(ByteBuf out, Headers headers) {
        for (int i = 0, n = headers.size(); i < n; i++) {
            if (written(headers, i)) {
                writeString(out, headers.name(i));
                writeString(out, headers.value(i));
            }
        }
    }

    private static void writeString(ByteBuf out, String s) {
        int lengthAt = out.writerIndex();
        out.writeInt(0);
        int bytes = ByteBufUtil.writeUtf8(out, s);
        out.setInt(lengthAt, bytes);
    }

    /** How many pairs a validated block holds, so the header block is sized once. */
    private static int pairs(byte[] block) {
        int pos = 0;
        int strings = 0;
        while (pos < block.length) {
            pos += 4 + Math.max((int) INT.get(block, pos), 0);
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

    private static String key(byte[] block, int pos, int length) {
        for (int i = 0; i < KNOWN_KEY_BYTES.length; i++) {
            byte[] k = KNOWN_KEY_BYTES[i];
            if (k.length == length && Arrays.equals(block, pos, pos + length, k, 0, length)) {
                return KNOWN_KEYS[i];
            }
        }
        return new String(block, pos, length, StandardCharsets.UTF_8);
    }
}
