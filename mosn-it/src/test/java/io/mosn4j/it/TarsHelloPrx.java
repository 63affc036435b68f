package io.mosn4j.it;

import com.qq.tars.protocol.annotation.Servant;
import com.qq.tars.protocol.tars.annotation.TarsCallback;
import com.qq.tars.protocol.tars.annotation.TarsContext;
import java.util.Map;

/**
 * The client proxy interface of a Tars servant, written by hand in the shape TarsJava's tars2java
 * generates from {@code interface Hello { string hello(int no, string name); string whoami(); string nofunc(); };}:
 * sync methods, {@code async_} ones with a callback, and a {@code @TarsContext} map travelling in the
 * RequestPacket's context. {@link TarsEchoServer} implements the first two.
 */
@Servant
public interface TarsHelloPrx {
    String hello(int no, String name);

    String hello(int no, String name, @TarsContext Map<String, String> ctx);

    String whoami();

    /** A function the server does not have: it answers iRet -3. */
    String nofunc();

    void async_hello(@TarsCallback TarsHelloPrxCallback callback, int no, String name);

    void async_hello(@TarsCallback TarsHelloPrxCallback callback, int no, String name, @TarsContext Map<String, String> ctx);
}
