package io.mosn4j.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.stats.Counter;
import io.mosn4j.api.stream.AccessLog;
import io.mosn4j.api.stream.RequestInfo;
import io.mosn4j.stats.StatsRegistry;
import io.mosn4j.variable.BuiltinVariables;
import io.mosn4j.variable.VariableRegistry;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An event loop's lines through its chunks to the file: every line whole, once, in order. */
class AccessLogsTest {
    private static final VariableRegistry VARS = new VariableRegistry(new BuiltinVariables().variables());

    @Test
    void linesOfEveryLengthReachTheFileWholeAndInOrder(@TempDir Path dir) throws Exception {
        Counter dropped = new StatsRegistry().counter("accesslog.dropped_lines");
        AccessLogs logs = new AccessLogs(LogRoller.DAILY, dropped);
        Path file = dir.resolve("access.log");
        AccessLog log = logs.open(file.toString(), AccessLogFormat.text("%listener_name%", VARS, n -> {}));
        // short lines, lines around a chunk's 32 KiB, one over two chunks, a short one after it
        List<String> expected = new ArrayList<>();
        int[] lengths = {10, 100, 2_000, 30_000, 2_700, 32_767, 32_768, 40_000, 70_000, 5, 1};
        for (int round = 0; round < 3; round++) {
            for (int length : lengths) {
                expected.add(round + "x".repeat(length - 1));
            }
        }
        EventLoop loop = new DefaultEventLoop();
        try {
            loop.submit(() -> expected.forEach(line -> log.log(request(line)))).get(10, TimeUnit.SECONDS);
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        logs.close();
        assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).containsExactlyElementsOf(expected);
        assertThat(dropped.get()).isZero();
    }

    @Test
    void aLineWhoseFormatFailsLeavesNothingAndTheNextIsWhole(@TempDir Path dir) throws Exception {
        AccessLogs logs = new AccessLogs(LogRoller.DAILY, Counter.NONE);
        Path file = dir.resolve("access.log");
        AccessLog log = logs.open(file.toString(), AccessLogFormat.text("a %listener_name% b", VARS, n -> {}));
        log.log(request("one"));
        log.log(failing());
        log.log(request("two"));
        logs.close();
        assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).containsExactly("a one b", "a - b", "a two b");
    }

    /** A request record whose listener name is {@code name}; every other value absent. */
    private static RequestInfo request(String name) {
        return (RequestInfo) Proxy.newProxyInstance(AccessLogsTest.class.getClassLoader(), new Class<?>[] {RequestInfo.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "listenerName" -> name;
                    default -> absent(method.getReturnType());
                });
    }

    /** A record whose listener name cannot be read: the format prints "-" for it. */
    private static RequestInfo failing() {
        return (RequestInfo) Proxy.newProxyInstance(AccessLogsTest.class.getClassLoader(), new Class<?>[] {RequestInfo.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("listenerName")) {
                        throw new IllegalStateException("gone");
                    }
                    return absent(method.getReturnType());
                });
    }

    private static Object absent(Class<?> type) {
        if (type == long.class) {
            return -1L;
        }
        if (type == int.class) {
            return 0;
        }
        if (type == boolean.class) {
            return false;
        }
        return null;
    }
}
