package io.mosn4j.protocol.dubbo;

import io.mosn4j.api.protocol.Buffers;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a request's changed headers back into the attachments map at the end of its hessian2
 * body. What is written, and what cannot be:
 *
 * <ul>
 *   <li>{@code service}, {@code method}, {@code version} and {@code dubbo} name the body head's
 *       fields (service path, method name, service version, framework version): the call's identity,
 *       written before its arguments. Changes to them are not written back, and attachments of those
 *       names (Dubbo consumers send {@code version} there too) travel as they were.
 *   <li>Every other entry is an attachment. An attachment the headers showed (string key and value,
 *       the first of its name ignoring case) is written in its place with the headers' value, or left
 *       out when the headers no longer have it. Entries added to the headers come after the original
 *       ones, in the headers' order; a name given twice is written once, with its first value, and an
 *       entry whose value is null is not written. So {@code group}, {@code path}, {@code interface}
 *       and {@code timeout} are written, and Dubbo's provider, which reads {@code path},
 *       {@code version} and {@code group} from the attachments when it looks for the service to
 *       call, acts on a change to {@code group} or {@code path}.
 *   <li>Attachments the headers never showed (values that are not strings, a second key of the
 *       same name) are copied byte for byte, in their place. A string added under the name of such an
 *       attachment is written after it, so Dubbo's reader, which keeps the last value of a key, takes
 *       the added one.
 *   <li>A body without an attachments map, or with null in its place, gets an untyped map when there
 *       is an attachment to write; a body with some other value there is left as it is.
 * </ul>
 *
 * Only ever used for a request whose headers were loaded and changed: it reads the body again
 * (the arguments are stepped over, never decoded) and allocates as it goes.
 */
final class Attachments {
    private Attachments() {}

    /** Replacement of the body's bytes {@code [start, end)} (body-relative) by {@code bytes}. */
    record Splice(int start, int end, ByteBuf bytes) {}

    /**
     * What to put in place of {@code body}'s attachments for {@code headers}, or null when the body
     * keeps its own bytes. The caller owns the splice's buffer.
     */
    static Splice rewrite(ByteBuf body, Headers headers, ByteBufAllocator alloc) {
        int base = body.readerIndex();
        Hessian2Reader in = new Hessian2Reader(body, DubboProtocol.HEADER_LENGTH);
        RequestHeaders.skipToAttachments(in);
        in.field("attachments");
        int start = in.position();
        int n = headers.size();
        // what is never written: head fields, null values, and every entry but the first of a name
        boolean[] done = new boolean[n];
        for (int i = 0; i < n; i++) {
            done[i] = headers.value(i) == null || isHeadField(headers.name(i)) || indexOf(headers, headers.name(i)) < i;
        }
        ByteBuf out = alloc.buffer();
        try {
            if (in.atEnd() || in.peek() == Hessian2Writer.NULL) {
                int end = in.atEnd() ? start : start + 1;
                out.writeByte(Hessian2Writer.MAP);
                if (!appendRest(out, headers, done)) {
                    out.release();
                    return null; // nothing to attach: the body stays as it is
                }
                out.writeByte(Hessian2Writer.END);
                return new Splice(start - base, end - base, out);
            }
            if (!in.beginMap()) {
                out.release();
                return null; // not a map: nowhere to write attachments
            }
            Buffers.append(out, body, start, in.position() - start); // 'H', or 'M' and its type
            List<String> shown = new ArrayList<>();
            while (!in.endOfMap()) {
                int entry = in.position();
                String key = Hessian2Reader.isStringStart(in.peek()) ? in.readString() : skip(in);
                boolean stringValue = Hessian2Reader.isStringStart(in.peek()); // the headers showed only those
                in.skipValue();
                if (key == null || !stringValue || isHeadField(key) || containsIgnoreCase(shown, key)) {
                    Buffers.append(out, body, entry, in.position() - entry); // never shown: as it was
                    continue;
                }
                shown.add(key);
                int i = indexOf(headers, key);
                if (i >= 0 && !done[i]) {
                    write(out, headers, i, done);
                }
                // else removed from the headers (or set to null): left out
            }
            appendRest(out, headers, done);
            out.writeByte(Hessian2Writer.END);
            return new Splice(start - base, in.position() - base, out);
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /** The entries not written yet, in order; whether there was one. */
    private static boolean appendRest(ByteBuf out, Headers headers, boolean[] done) {
        boolean any = false;
        for (int i = 0; i < done.length; i++) {
            if (!done[i]) {
                write(out, headers, i, done);
                any = true;
            }
        }
        return any;
    }

    private static void write(ByteBuf out, Headers headers, int i, boolean[] done) {
        Hessian2Writer.writeString(out, headers.name(i));
        Hessian2Writer.writeString(out, headers.value(i));
        done[i] = true;
    }

    static boolean isHeadField(String name) {
        return name.equalsIgnoreCase(RequestHeaders.SERVICE) || name.equalsIgnoreCase(RequestHeaders.METHOD)
                || name.equalsIgnoreCase(RequestHeaders.VERSION) || name.equalsIgnoreCase(RequestHeaders.DUBBO_VERSION);
    }

    private static int indexOf(Headers headers, String name) {
        for (int i = 0, n = headers.size(); i < n; i++) {
            if (headers.name(i).equalsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean containsIgnoreCase(List<String> names, String name) {
        for (String s : names) {
            if (s.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private static String skip(Hessian2Reader in) {
        in.skipValue();
        return null;
    }
}
