package io.mosn4j.api.network;

import io.mosn4j.api.config.ConfigException;
import java.net.InetAddress;

/**
 * An IPv4 or IPv6 address range ({@code 10.0.0.0/8}, {@code ::1/128}, or one address), for
 * filters that match client or destination addresses. Immutable.
 */
public record CidrRange(byte[] network, int length) {

    /**
     * Parses {@code "address/length"} or a single address; {@code field} names it in the error.
     *
     * @throws ConfigException when it is no IP literal or the length does not fit
     */
    public static CidrRange parse(String text, String field) {
        String s = text == null ? "" : text.trim();
        int slash = s.indexOf('/');
        String address = slash < 0 ? s : s.substring(0, slash);
        byte[] bytes;
        try {
            bytes = InetAddress.ofLiteral(address).getAddress();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(field, "not an IP address: \"" + address + "\"");
        }
        int max = bytes.length * 8;
        int length = max;
        if (slash >= 0) {
            try {
                length = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new ConfigException(field, "not a prefix length in \"" + text + "\"");
            }
        }
        return of(bytes, length, field);
    }

    /** {@code address} with {@code length} leading bits, checked. */
    public static CidrRange of(byte[] address, int length, String field) {
        int max = address.length * 8;
        if (length < 0 || length > max) {
            throw new ConfigException(field, "prefix length must be 0.." + max + ", got " + length);
        }
        return new CidrRange(address.clone(), length);
    }

    /** Whether {@code a} is in the range; an IPv4 address never is in an IPv6 range or the reverse. */
    public boolean contains(InetAddress a) {
        if (a == null) {
            return false;
        }
        byte[] b = a.getAddress();
        if (b.length != network.length) {
            return false;
        }
        int full = length / 8;
        for (int i = 0; i < full; i++) {
            if (b[i] != network[i]) {
                return false;
            }
        }
        int rest = length % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (b[full] & mask) == (network[full] & mask);
    }
}
