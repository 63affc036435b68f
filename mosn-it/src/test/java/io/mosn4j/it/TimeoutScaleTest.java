package io.mosn4j.it;

import static io.mosn4j.it.MosnProcess.freePort;
import static io.mosn4j.it.MosnProcess.render;
import static io.mosn4j.it.MosnProcess.vars;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 10 item 7 through the real {@code bin/mosn}: 40,000 bolt requests in flight on one
 * downstream connection. To an upstream that never answers, every one times out (status 7), never
 * before its 3 s route timeout, each exactly once. To an upstream that answers all of them at once,
 * newest first (each answer disarms its timers: with the old per-connection lists, a linear search
 * each, 40,000 x 80,000 steps), every one is answered, once.
 *
 * <p>A second connection on the same event loop ({@code processor: 1}) sends heartbeats meanwhile,
 * which the proxy answers itself on that loop; their worst round trip is printed, not asserted: it
 * measures the loop's whole work (reading a 1 MiB burst of answers is one turn of the loop), so it
 * depends on how much CPU the machine leaves mosn. That arming and disarming cost the same at any
 * number of timers is proven by counting, in {@code StreamTimeoutsTest}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TimeoutScaleTest {
    static final int IN_FLIGHT = 40_000;
    static final long ROUTE_TIMEOUT_MILLIS = 3000;

    static final String CONFIG = """
            {
              "servers": [{
                "default_log_path": "stdout",
                "processor": 1,
                "routers": [{"router_config_name": "rpc", "virtual_hosts": [{"name": "rpc", "domains": ["*"], "routers": [
                  {"match": {"headers": [{"name": "service", "value": "svc.reverse"}]}, "route": {"cluster_name": "reverse", "timeout": "60s"}},
                  {"match": {"headers": [{"name": "service", "value": ".*"}]}, "route": {"cluster_name": "sink", "timeout": "3s"}}]}]}],
                "listeners": [
                  {"name": "bolt", "address": "127.0.0.1:${BOLT}", "filter_chains": [{"filters": [{"type": "proxy",
                    "config": {"downstream_protocol": "bolt", "upstream_protocol": "bolt", "router_config_name": "rpc",
                      "extend_config": {"max_concurrent_requests": 50000}}}]}]}
                ]
              }],
              "cluster_manager": {"clusters": [
                {"name": "sink", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${SINK}"}]},
                {"name": "reverse", "type": "SIMPLE", "lb_type": "LB_ROUNDROBIN", "hosts": [{"address": "${REVERSE}"}]}
              ]}
            }
            """;

    private static TcpBackend sink;
    private static TcpBackend reverse;
    private static MosnProcess mosn;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        // reads every request and answers none
        sink = TcpBackend.start("sink", (s, in, out) -> {
            byte[] buf = new byte[64 * 1024];
            while (in.read(buf) >= 0) {
                // swallowed
            }
        });
        // reads requests until it holds IN_FLIGHT of them, then answers them all in one write, newest first
        reverse = TcpBackend.start("reverse", (s, in, out) -> {
            InputStream bin = new BufferedInputStream(in, 256 * 1024);
            int[] ids = new int[IN_FLIGHT];
            int held = 0;
            while (true) {
                BoltWire.Response request = BoltWire.read(bin);
                if (request.cmd() != BoltWire.CMD_REQUEST) {
                    continue;
                }
                ids[held++] = request.id();
                if (held == IN_FLIGHT) {
                    java.nio.ByteBuffer answers = java.nio.ByteBuffer.allocate(20 * IN_FLIGHT);
                    for (int i = IN_FLIGHT - 1; i >= 0; i--) {
                        answers.put((byte) BoltWire.PROTO_V1).put((byte) BoltWire.TYPE_RESPONSE).putShort((short) BoltWire.CMD_RESPONSE)
                                .put((byte) 1).putInt(ids[i]).put((byte) BoltWire.HESSIAN2).putShort((short) BoltWire.SUCCESS)
                                .putShort((short) 0).putShort((short) 0).putInt(0);
                    }
                    out.write(answers.array());
                    out.flush();
                    held = 0;
                }
            }
        });
        port = freePort();
        mosn = MosnProcess.builder().config(render(CONFIG, vars("BOLT", port, "SINK", sink.address(), "REVERSE", reverse.address())))
                .waitFor(port).start();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (mosn != null) {
                mosn.stopCleanly();
            }
        } finally {
            if (mosn != null) {
                mosn.close();
            }
            sink.close();
            reverse.close();
        }
    }

    /** What one run saw: answers by status, when they came, and the heartbeat round trips on the shared loop. */
    record Run(int answered, Map<Integer, Integer> statuses, long writtenMs, long firstMs, long lastMs, long worstWhileAnsweringMicros,
               long worstMicros, long heartbeats) {}

    /**
     * Sends {@link #IN_FLIGHT} requests for {@code service} on one connection (written by a thread of
     * their own) and reads every answer, while another connection on the loop sends a heartbeat
     * every 10 ms and times its answer.
     */
    private static Run run(String service) throws Exception {
        AtomicBoolean probing = new AtomicBoolean(true);
        AtomicBoolean answering = new AtomicBoolean();
        AtomicLong worst = new AtomicLong();
        AtomicLong worstWhileAnswering = new AtomicLong();
        AtomicLong heartbeats = new AtomicLong();
        try (BoltWire.Client caller = new BoltWire.Client(port, 30_000); BoltWire.Client prober = new BoltWire.Client(port, 30_000)) {
            prober.send(BoltWire.heartbeat(1));
            assertThat(prober.read().cmd()).isEqualTo(BoltWire.CMD_HEARTBEAT);
            Thread probe = Thread.ofPlatform().daemon().name("heartbeat-probe").start(() -> {
                try {
                    for (int id = 2; probing.get(); id++) {
                        long t0 = System.nanoTime();
                        prober.send(BoltWire.heartbeat(id));
                        BoltWire.Response r = prober.read();
                        long micros = (System.nanoTime() - t0) / 1000;
                        if (r.id() == id) {
                            worst.accumulateAndGet(micros, Math::max);
                            if (answering.get()) {
                                worstWhileAnswering.accumulateAndGet(micros, Math::max);
                            }
                            heartbeats.incrementAndGet();
                        }
                        Thread.sleep(10);
                    }
                } catch (IOException | InterruptedException e) {
                    worst.set(Long.MAX_VALUE);
                }
            });
            Map<String, String> headers = Map.of("service", service);
            long start = System.nanoTime();
            AtomicLong written = new AtomicLong();
            Thread writer = Thread.ofPlatform().daemon().name("bolt-writer").start(() -> {
                try {
                    OutputStream out = new BufferedOutputStream(caller.socket.getOutputStream(), 256 * 1024);
                    for (int id = 1; id <= IN_FLIGHT; id++) {
                        out.write(BoltWire.request(BoltWire.TYPE_REQUEST, BoltWire.CMD_REQUEST, id, 0, "x", headers, new byte[16]));
                    }
                    out.flush();
                    written.set(System.nanoTime());
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            InputStream in = new BufferedInputStream(caller.socket.getInputStream(), 256 * 1024);
            BitSet seen = new BitSet(IN_FLIGHT + 1);
            Map<Integer, Integer> statuses = new java.util.TreeMap<>();
            long first = -1;
            for (int i = 0; i < IN_FLIGHT; i++) {
                BoltWire.Response r = BoltWire.read(in);
                if (first < 0) {
                    first = System.nanoTime();
                    answering.set(true);
                }
                assertThat(seen.get(r.id())).as("request %d answered twice", r.id()).isFalse();
                seen.set(r.id());
                statuses.merge(r.status(), 1, Integer::sum);
            }
            long last = System.nanoTime();
            writer.join(5000);
            probing.set(false);
            probe.join(5000);
            // the connection that carried them is fine
            caller.send(BoltWire.heartbeat(IN_FLIGHT + 1));
            assertThat(caller.read().id()).isEqualTo(IN_FLIGHT + 1);
            return new Run(seen.cardinality(), statuses, (written.get() - start) / 1_000_000, (first - start) / 1_000_000,
                    (last - start) / 1_000_000, worstWhileAnswering.get(), worst.get(), heartbeats.get());
        }
    }

    private static void print(String what, Run r) {
        System.out.printf("TimeoutScaleTest %s: %d bolt requests on one connection, written in %d ms; answers %s from %d ms to %d ms; "
                        + "worst heartbeat round trip on the same loop while they were answered %.1f ms (overall %.1f ms, %d heartbeats)%n",
                what, IN_FLIGHT, r.writtenMs(), r.statuses(), r.firstMs(), r.lastMs(), r.worstWhileAnsweringMicros() / 1000.0,
                r.worstMicros() / 1000.0, r.heartbeats());
    }

    @Test
    void fortyThousandRequestsInFlightOnOneConnectionAllTimeOutOnTime() throws Exception {
        Run r = run("svc.hold");
        print("timeouts", r);
        assertThat(r.answered()).isEqualTo(IN_FLIGHT);
        assertThat(r.statuses()).as("every request answered with status 7 (timeout)").isEqualTo(Map.of(BoltWire.TIMEOUT, IN_FLIGHT));
        assertThat(r.firstMs()).as("no timeout before the route timeout").isGreaterThanOrEqualTo(ROUTE_TIMEOUT_MILLIS);
    }

    /**
     * All 40,000 answered in one burst, newest first: each answer disarms its route timeout and its
     * idle timer. The old lists searched from the oldest: about 40,000 x 80,000 steps; the wheel
     * unlinks each in a few pointer writes.
     */
    @Test
    void fortyThousandAnswersNewestFirstDisarmTheirTimersWithoutBlockingTheLoop() throws Exception {
        Run r = run("svc.reverse");
        print("answers newest first", r);
        assertThat(r.answered()).isEqualTo(IN_FLIGHT);
        assertThat(r.statuses()).as("every request answered by the upstream").isEqualTo(Map.of(BoltWire.SUCCESS, IN_FLIGHT));
    }
}
