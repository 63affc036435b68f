package io.mosn4j.api.protocol;

/**
 * Bytes that cannot be framed as the protocol's: the decoder's message says what was wrong and
 * at which offset of the frame, so the log line that closes the connection can name both.
 */
public class XProtocolException extends RuntimeException {
    public XProtocolException(String message) {
        super(message, null, false, false);
    }
}
