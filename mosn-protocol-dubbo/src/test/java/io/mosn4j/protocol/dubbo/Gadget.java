package io.mosn4j.protocol.dubbo;

import java.io.Serializable;

/**
 * Stands for a deserialization gadget: a class on the proxy's classpath whose creation has side
 * effects. Every way hessian could bring one to life (constructor, readResolve) is recorded.
 */
public class Gadget implements Serializable {
    static volatile int created;
    static volatile int resolved;

    String command;

    public Gadget() {
        created++;
    }

    Gadget(String command) {
        this();
        this.command = command;
    }

    private Object readResolve() {
        resolved++;
        return this;
    }
}
