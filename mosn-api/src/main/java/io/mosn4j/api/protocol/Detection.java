package io.mosn4j.api.protocol;

import io.netty.buffer.ByteBuf;

/** Whether the first bytes of a connection are one protocol's ({@code "downstream_protocol": "Auto"}). */
public enum Detection {
    /** They are: this protocol's codec takes the connection. */
    YES,
    /** They are not. */
    NO,
    /** Too few bytes to tell yet. */
    NEED_MORE;

    /** YES when {@code in} starts with {@code expected}, NEED_MORE while it is a proper prefix of it, else NO. */
    public static Detection prefix(ByteBuf in, byte[] expected) {
        int n = Math.min(in.readableBytes(), expected.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != expected[i]) {
                return NO;
            }
        }
        return n == expected.length ? YES : NEED_MORE;
    }
}
