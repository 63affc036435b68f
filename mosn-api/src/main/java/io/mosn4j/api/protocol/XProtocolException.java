package io.mosn4j.api.protocol;

import io.mosn4j.api.stream.MessageDecodeException;

/**
 * Bytes that cannot be framed as the protocol's: the decoder's message says what was wrong and
 * at which offset of the frame, so the log line that closes the connection can name both. Thrown
 * by a frame's lazy header decoding, it means only that request is bad: it gets an error answer.
 */
public class XProtocolException extends MessageDecodeException {
    public XProtocolException(String message) {
        super(message);
    }
}
