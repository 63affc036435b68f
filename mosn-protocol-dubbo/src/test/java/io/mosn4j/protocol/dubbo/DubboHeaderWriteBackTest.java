package io.mosn4j.protocol.dubbo;

import static org.assertj.core.api.Assertions.assertThat;

import io.mosn4j.api.protocol.XFrame;
import io.mosn4j.api.stream.Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.dubbo.remoting.exchange.Request;
import org.apache.dubbo.rpc.RpcInvocation;
import org.apache.dubbo.rpc.protocol.dubbo.DecodeableRpcInvocation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A filter's changes to a dubbo request's headers reach the provider: requests written by Apache
 * Dubbo's own codec are decoded by us, their headers changed, encoded by us and decoded again by
 * Dubbo's codec, which sees the attachments changed exactly so, and the method, argument types
 * and arguments as they were.
 */
@ExtendWith(LeakCheck.class)
class DubboHeaderWriteBackTest {
    static final long SEED = Long.getLong("dubbo.fuzz.seed", 0xD0BB_0F00L);

    /**
     * Dubbo's provider decodes only calls of services it exports (with the serialization they
     * permit); this process exports none, and the services here are made up.
     */
    @BeforeAll
    static void decodeCallsOfServicesNotExportedHere() {
        System.setProperty("serialization.security.check", "false");
    }

    @AfterAll
    static void restore() {
        System.clearProperty("serialization.security.check");
    }

    private final DubboProtocol dubbo = new DubboProtocol();
    private final TrackingAllocator alloc = new TrackingAllocator();

    static final Class<?>[] GENERIC = {String.class, String[].class, Object[].class};

    /**
     * A generic call ({@code $invoke}, as Dubbo's generic consumers send): Dubbo's decoder reads
     * its arguments by the descriptor alone, where an ordinary call needs the service exported in
     * the decoding process (else it drops the arguments and attachments with "Service not found").
     */
    static byte[] genericRequest(long id, String service, Object[] args, Map<String, Object> attachments) {
        String[] types = new String[args.length];
        java.util.Arrays.fill(types, "java.lang.Object");
        return DubboCodecs.encode(DubboCodecs.request(id, service, "$invoke", GENERIC,
                new Object[] {"call", types, args}, attachments));
    }

    /** Sample arguments hessian-lite writes in every shape, of JDK types (Dubbo's decoder may refuse others). */
    static List<Object[]> argumentSets() {
        List<Object[]> sets = new ArrayList<>();
        sets.add(new Object[0]);
        sets.add(new Object[] {"hello", -1, 1L << 40, 3.75, true});
        sets.add(new Object[] {Samples.longString(40_000), new byte[70_000]});
        sets.add(new Object[] {new int[] {1, 2, 3}, new String[] {"a", null, "c"}, new long[20]});
        sets.add(new Object[] {new ArrayList<>(List.of("a", 1, List.of())), new HashMap<>(Map.of("k", 1, "m", List.of("x")))});
        sets.add(new Object[] {null, new byte[900]});
        return sets;
    }

    /** What Dubbo's provider makes of {@code wire}: the invocation, fully decoded. */
    static RpcInvocation theirDecoding(byte[] wire) throws Exception {
        Request req = (Request) DubboCodecs.decode(wire);
        Object data = req.getData();
        if (data instanceof DecodeableRpcInvocation d) {
            d.decode();
            if (req.getData() instanceof Throwable t) { // what Dubbo does with a body it cannot decode
                throw new AssertionError("Dubbo could not decode the request", t);
            }
        }
        assertThat(req.isBroken()).as("Dubbo could not decode the request (see the log)").isFalse();
        RpcInvocation inv = (RpcInvocation) data;
        assertThat(inv.getArguments()).as("Dubbo decoded the arguments").isNotNull();
        return inv;
    }

    /** Decodes {@code wire}, lets {@code edit} change the headers, encodes; returns the bytes. */
    byte[] rewrite(byte[] wire, java.util.function.Consumer<Headers> edit) {
        ByteBuf in = Unpooled.wrappedBuffer(wire);
        XFrame f = dubbo.decode(in);
        try {
            edit.accept(f.headers());
            ByteBuf out = dubbo.encode(f, alloc);
            try {
                return ByteBufUtil.getBytes(out);
            } finally {
                out.release();
            }
        } finally {
            f.release();
            assertThat(in.refCnt()).isEqualTo(1);
            in.release();
        }
    }

    @Test
    void attachmentsChangedAddedAndRemovedReachDubbo() throws Exception {
        for (Object[] args : argumentSets()) { // short bodies copied, long ones shared around the new map
            byte[] wire = genericRequest(9, "org.example.DemoService", args, Samples.attachments());
            RpcInvocation before = theirDecoding(wire);
            assertThat(before.getAttachment("x-trace-id")).isEqualTo("abc-123");

            byte[] ours = rewrite(wire, h -> {
                h.set("group", "green");
                h.remove("x-trace-id");
                h.add("x-added", "值 😀");
                h.set("timeout", "5000"); // a number on the wire, never a header: the added string comes after it
                h.set("tenant", "");
            });
            RpcInvocation after = theirDecoding(ours);
            assertThat(after.getMethodName()).isEqualTo("$invoke");
            assertThat(after.getParameterTypes()).isEqualTo(before.getParameterTypes());
            assertThat(after.getArguments()).usingRecursiveComparison().isEqualTo(before.getArguments());
            Map<String, Object> expected = new HashMap<>(before.getObjectAttachments());
            expected.put("group", "green");
            expected.remove("x-trace-id");
            expected.put("x-added", "值 😀");
            expected.put("timeout", "5000");
            expected.put("tenant", "");
            assertThat(after.getObjectAttachments()).isEqualTo(expected);
            assertThat(ours.length - 16).isEqualTo(Unpooled.wrappedBuffer(ours).getInt(12));
        }
        assertThat(alloc.unreleased()).isEmpty();
    }

    /** service, method, version and dubbo are the body head's: the call's identity, never rewritten. */
    @Test
    void theBodyHeadsFieldsAreNotWrittenBack() throws Exception {
        byte[] wire = genericRequest(9, "org.example.DemoService", new Object[] {"x"}, Samples.attachments());
        RpcInvocation before = theirDecoding(wire);
        byte[] ours = rewrite(wire, h -> {
            h.set("service", "org.example.Other");
            h.set("method", "other");
            h.set("version", "9.9.9");
            h.remove("dubbo");
            h.add("x", "y"); // so that something is written
        });
        RpcInvocation after = theirDecoding(ours);
        assertThat(after.getMethodName()).isEqualTo("$invoke");
        assertThat(after.getAttachment("path")).isEqualTo("org.example.DemoService");
        assertThat(after.getAttachment("version")).isEqualTo("1.0.0");
        assertThat(after.getAttachment("dubbo")).isEqualTo("2.0.2");
        Map<String, Object> expected = new HashMap<>(before.getObjectAttachments());
        expected.put("x", "y");
        assertThat(after.getObjectAttachments()).isEqualTo(expected);
        // and our own reading of what we wrote agrees
        ByteBuf in = Unpooled.wrappedBuffer(ours);
        XFrame again = dubbo.decode(in);
        assertThat(again.headers().get("service")).isEqualTo("org.example.DemoService");
        assertThat(again.headers().get("x")).isEqualTo("y");
        again.release();
        in.release();
    }

    /** Changing only head fields changes nothing: the frame keeps its own bytes. */
    @Test
    void onlyHeadFieldsChangedKeepsTheBytes() {
        byte[] wire = DubboCodecs.encode(DubboCodecs.request(9, "org.example.DemoService", "call",
                new Class<?>[] {String.class}, new Object[] {"x"}, Samples.attachments()));
        byte[] ours = rewrite(wire, h -> h.set("method", "other"));
        assertThat(ours).isEqualTo(wire);
    }

    /** Dubbo routes on group and path in the attachments: a change there is a change of service. */
    @Test
    void groupAndPathAreAttachments() throws Exception {
        byte[] wire = genericRequest(9, "org.example.DemoService", new Object[] {"x"}, Samples.attachments());
        byte[] ours = rewrite(wire, h -> {
            h.set("group", "canary");
            h.set("path", "org.example.DemoServiceV2");
        });
        RpcInvocation after = theirDecoding(ours);
        assertThat(after.getAttachment("group")).isEqualTo("canary");
        assertThat(after.getAttachment("path")).isEqualTo("org.example.DemoServiceV2");
    }

    @Test
    void aBodyWithoutAttachmentsOrWithNullGetsAMap() throws Exception {
        byte[] head = Wire.head("org.example.S", "1.0", "$invoke", "Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/Object;")
                .str("call").hessian(out -> {
                    out.writeObject(new String[] {"java.lang.String"});
                    out.writeObject(new Object[] {"arg"});
                }).bytes();
        for (byte[] body : List.of(head, new Wire().raw(head).raw('N').bytes())) {
            byte[] wire = Wire.request(4, body);
            assertThat(rewrite(wire, h -> h.remove("nothing-there"))).isEqualTo(wire);
            byte[] ours = rewrite(wire, h -> h.add("group", "g").add("k", "v"));
            RpcInvocation after = theirDecoding(ours);
            assertThat(((Object[]) after.getArguments()[2])).containsExactly("arg");
            assertThat(after.getAttachment("group")).isEqualTo("g");
            assertThat(after.getAttachment("k")).isEqualTo("v");
        }
    }

    @Test
    void theAttachmentMapKeepsItsOrderAndWhatItNeverShowed() {
        // a typed map, a non-string value before and after, a key repeated in another case
        byte[] body = Wire.head("s", "1", "m", "").hessian(out -> {
            out.writeMapBegin("java.util.LinkedHashMap");
            out.writeString("a");
            out.writeString("1");
            out.writeString("n");
            out.writeInt(5);
            out.writeString("b");
            out.writeString("2");
            out.writeString("A");
            out.writeString("shadowed");
            out.writeString("c");
            out.writeString("3");
            out.writeMapEnd();
        }).bytes();
        byte[] ours = rewrite(Wire.request(4, body), h -> {
            h.remove("b");
            h.set("c", "33");
            h.add("d", "4");
        });
        byte[] expected = Wire.head("s", "1", "m", "").hessian(out -> {
            out.writeMapBegin("java.util.LinkedHashMap");
            out.writeString("a");
            out.writeString("1");
            out.writeString("n");
            out.writeInt(5);
            out.writeString("A");
            out.writeString("shadowed");
            out.writeString("c");
            out.writeString("33");
            out.writeString("d");
            out.writeString("4");
            out.writeMapEnd();
        }).bytes();
        assertThat(ours).isEqualTo(Wire.request(4, expected));
    }

    @Test
    void aLongBodyIsSharedAroundTheNewMap() {
        byte[] wire = DubboCodecs.encode(DubboCodecs.request(9, "org.example.S", "m",
                new Class<?>[] {String.class}, new Object[] {Samples.longString(10_000)}, Map.of("k", "v")));
        ByteBuf in = Unpooled.wrappedBuffer(wire);
        XFrame f = dubbo.decode(in);
        f.headers().set("k", "w");
        ByteBuf out = dubbo.encode(f, alloc);
        assertThat(out).isInstanceOf(CompositeByteBuf.class);
        f.release();
        assertThat(in.refCnt()).isEqualTo(2); // ours, and the encoded bytes' view of the body before the map
        out.release();
        assertThat(in.refCnt()).isEqualTo(1);
        in.release();
        assertThat(alloc.unreleased()).isEmpty();
    }

    /**
     * Requests from Dubbo's encoder with random attachments (strings and other values) and
     * arguments, random edits (set, add, remove; attachments, head fields, new names): Dubbo always
     * decodes the result, with the arguments intact and the attachments changed exactly as edited.
     */
    @Test
    void randomEditsAlwaysDecodeInDubbo() throws Exception {
        Random r = new Random(SEED);
        List<Object[]> sets = argumentSets();
        String[] reserved = {"service", "method", "version", "dubbo"};
        for (int i = 0; i < 200; i++) {
            // the 110 KB arguments set now and then: Dubbo's decoder takes its time over it
            Object[] set = sets.get(r.nextInt(20) == 0 ? 2 : r.nextBoolean() ? 1 : r.nextInt(sets.size()));
            Map<String, Object> att = new LinkedHashMap<>();
            for (int n = r.nextInt(8); n > 0; n--) {
                String key = "k" + r.nextInt(1000);
                att.put(key, switch (r.nextInt(4)) {
                    case 0 -> r.nextInt();
                    case 1 -> List.of(randomString(r, 5));
                    default -> randomString(r, r.nextInt(10) == 0 ? 2000 : 20);
                });
            }
            att.put("group", "g" + r.nextInt(3));
            byte[] wire = genericRequest(i, "org.example.S" + i, set, att);
            RpcInvocation before = theirDecoding(wire);
            Map<String, Object> expected = new HashMap<>(before.getObjectAttachments());
            List<String> names = new ArrayList<>(att.keySet());
            byte[] ours;
            try {
                ours = rewrite(wire, h -> {
                    for (int k = 1 + r.nextInt(5); k > 0; k--) {
                        int pick = r.nextInt(10);
                        String name = pick < 5 ? names.get(r.nextInt(names.size()))
                                : pick < 7 ? reserved[r.nextInt(reserved.length)] : "new" + r.nextInt(5);
                        boolean head = List.of(reserved).contains(name);
                        switch (r.nextInt(3)) {
                            case 0 -> {
                                String v = randomString(r, 30);
                                h.set(name, v);
                                if (!head) {
                                    expected.put(name, v);
                                }
                            }
                            case 1 -> {
                                String v = randomString(r, 30);
                                boolean had = h.contains(name);
                                h.add(name, v);
                                if (!head && !had) {
                                    expected.put(name, v);
                                }
                            }
                            default -> {
                                boolean shown = h.contains(name);
                                h.remove(name);
                                if (!head && shown) {
                                    // an attachment the headers never showed (not a string) stays as it was
                                    Object kept = att.get(name);
                                    if (kept != null && !(kept instanceof String)) {
                                        expected.put(name, kept);
                                    } else {
                                        expected.remove(name);
                                    }
                                }
                            }
                        }
                    }
                });
            } catch (Throwable t) {
                throw new AssertionError("seed " + SEED + ", request " + i, t);
            }
            RpcInvocation after = theirDecoding(ours);
            assertThat(after.getMethodName()).as("seed %d, request %d", SEED, i).isEqualTo("$invoke");
            assertThat(after.getArguments()).as("seed %d, request %d", SEED, i)
                    .usingRecursiveComparison().isEqualTo(before.getArguments());
            assertThat(after.getObjectAttachments()).as("seed %d, request %d", SEED, i).isEqualTo(expected);
        }
        assertThat(alloc.unreleased()).isEmpty();
    }

    static String randomString(Random r, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = r.nextInt(max + 1); i > 0; i--) {
            int k = r.nextInt(12);
            sb.append(k == 0 ? (char) (0x4e00 + r.nextInt(500)) : k == 1 ? "😀" : String.valueOf((char) ('a' + r.nextInt(26))));
        }
        return sb.toString();
    }
}
