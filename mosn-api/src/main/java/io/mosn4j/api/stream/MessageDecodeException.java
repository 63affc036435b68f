package io.mosn4j.api.stream;

/**
 * A message was framed but part of it cannot be decoded (an RPC body whose routing fields are not
 * readable). Decoding may be lazy, so this can surface when a header is first read: the proxy
 * answers the request with {@link ProxyError#DESERIALIZATION} and the connection lives on.
 */
public class MessageDecodeException extends RuntimeException {
    public MessageDecodeException(String message) {
        super(message, null, false, false);
    }
}
