package io.mosn4j.it;

import io.mosn4j.it.TarsPackets.RequestPacket;
import io.mosn4j.it.TarsPackets.ResponsePacket;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * One raw Tars client connection: writes RequestPackets (or any bytes), reads length-prefixed
 * ResponsePackets. Every read has a timeout, so a missing answer fails instead of hanging.
 */
final class TarsWireClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    TarsWireClient(int port, int readTimeoutMillis) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2000);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(readTimeoutMillis);
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = socket.getOutputStream();
    }

    TarsWireClient send(RequestPacket packet) throws IOException {
        return send(packet.bytes());
    }

    TarsWireClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** The next ResponsePacket; fails on a timeout or the end of the stream. */
    ResponsePacket read() throws IOException {
        byte[] fields = TarsPackets.readPacket(in);
        if (fields == null) {
            throw new IOException("connection closed by the proxy while waiting for a response");
        }
        return TarsPackets.response(fields);
    }

    /** Sends {@code packet} and reads the next response. */
    ResponsePacket call(RequestPacket packet) throws IOException {
        return send(packet).read();
    }

    /** True if nothing (not even a byte) arrives within {@code millis}, and the connection is still open. */
    boolean silentFor(int millis) throws IOException {
        int before = socket.getSoTimeout();
        socket.setSoTimeout(millis);
        try {
            in.mark(1);
            int b = in.read();
            if (b >= 0) {
                in.reset();
            }
            return false;
        } catch (SocketTimeoutException e) {
            return true;
        } finally {
            socket.setSoTimeout(before);
        }
    }

    /** True if the proxy closes (FIN or RST) the connection within {@code millis}, discarding what it sends first. */
    boolean closedWithin(int millis) throws IOException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        byte[] buf = new byte[4096];
        while (System.nanoTime() < deadline) {
            socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
            try {
                if (in.read(buf) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true; // reset
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
