package io.mosn4j.protocol.dubbo;

import java.io.Serializable;

/**
 * A class the tests only ever name in bytes: initializing it sets a system property, so a test can
 * tell whether anything loaded it because a body named it.
 */
public class GadgetNeverLoaded implements Serializable {
    static {
        System.setProperty("mosn4j.test.gadget.initialized", "true");
    }

    String command;
}
