package io.mosn4j.it;

import com.qq.tars.protocol.tars.annotation.TarsCallback;
import com.qq.tars.rpc.protocol.tars.support.TarsAbstractCallback;

/** The callback of {@link TarsHelloPrx#async_hello}, as tars2java generates it. */
@TarsCallback
public abstract class TarsHelloPrxCallback extends TarsAbstractCallback {
    public abstract void callback_hello(String ret);
}
