package io.mosn4j.protocol.dubbo;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Request shapes written by Dubbo's own codec, shared by the interop and fuzz tests. */
final class Samples {
    private Samples() {}

    enum Color { RED, GREEN }

    /** A user type as a service would pass it. */
    public static final class Pojo implements Serializable {
        String name;
        int count;
        long big;
        double ratio;
        boolean flag;
        Color color;
        List<Object> items;
        Map<String, Object> props;
        Pojo child;
        byte[] bytes;
        Date when;
        BigDecimal amount;

        Pojo() {}

        static Pojo sample(int depth) {
            Pojo p = new Pojo();
            p.name = "pojo-" + depth + "-名字";
            p.count = -depth * 1000;
            p.big = Long.MIN_VALUE + depth;
            p.ratio = 0.125 * depth;
            p.flag = depth % 2 == 0;
            p.color = depth % 2 == 0 ? Color.RED : Color.GREEN;
            p.items = new ArrayList<>(List.of(1, "two", 3.5, List.of("x", "y")));
            p.props = new LinkedHashMap<>(Map.of("k", "v"));
            p.bytes = new byte[depth * 100];
            p.when = new Date(1_700_000_000_000L);
            p.amount = new BigDecimal("12345.6789");
            p.child = depth > 0 ? sample(depth - 1) : null;
            return p;
        }
    }

    /** Common attachments: a group, a version, an int timeout, strings, and values that are not strings. */
    static Map<String, Object> attachments() {
        Map<String, Object> a = new HashMap<>();
        a.put("group", "blue");
        a.put("version", "1.0.0");
        a.put("timeout", 3000);
        a.put("x-trace-id", "abc-123");
        a.put("tenant", "租户-😀");
        a.put("retries", 2L);
        a.put("weights", List.of(1, 2, 3));
        a.put("nested", Map.of("a", "b"));
        return a;
    }

    static String longString(int chars) {
        StringBuilder sb = new StringBuilder(chars);
        for (int i = 0; sb.length() < chars; i++) {
            sb.append(i % 7 == 0 ? "é" : i % 11 == 0 ? "中" : i % 13 == 0 ? "😀" : "a");
        }
        sb.setLength(chars);
        if (Character.isHighSurrogate(sb.charAt(chars - 1))) {
            sb.setCharAt(chars - 1, 'z');
        }
        return sb.toString();
    }

    /** Argument lists covering every hessian2 encoding hessian-lite writes for arguments. */
    static List<Object[]> argumentSets() {
        List<Object[]> sets = new ArrayList<>();
        sets.add(new Object[] {new Class<?>[0], new Object[0]});
        sets.add(new Object[] {new Class<?>[] {String.class}, new Object[] {"hello"}});
        sets.add(new Object[] {
            new Class<?>[] {int.class, long.class, double.class, boolean.class, short.class, byte.class, char.class,
                float.class},
            new Object[] {-1, 1L << 40, 3.75, true, (short) 7, (byte) -3, 'c', 1.5f}
        });
        sets.add(new Object[] {
            new Class<?>[] {int.class, int.class, int.class, int.class, long.class, long.class, long.class, long.class},
            new Object[] {0x2f, -0x800, 0x3ffff, Integer.MIN_VALUE, 15L, -2048L, 0x3ffffL, 1L << 62}
        });
        sets.add(new Object[] {
            new Class<?>[] {double.class, double.class, double.class, double.class, double.class},
            new Object[] {0.0, 1.0, -128.0, 32000.0, 12.345}
        });
        sets.add(new Object[] {new Class<?>[] {String.class}, new Object[] {null}});
        sets.add(new Object[] {new Class<?>[] {String.class, String.class}, new Object[] {longString(40_000), longString(1000)}});
        sets.add(new Object[] {new Class<?>[] {byte[].class, byte[].class, byte[].class},
            new Object[] {new byte[5], new byte[900], new byte[70_000]}});
        sets.add(new Object[] {new Class<?>[] {int[].class, String[].class, long[].class},
            new Object[] {new int[] {1, 2, 3}, new String[] {"a", null, "c"}, new long[20]}});
        sets.add(new Object[] {new Class<?>[] {List.class, Map.class},
            new Object[] {new ArrayList<>(List.of("a", 1, List.of())), new HashMap<>(Map.of("k", 1, "m", List.of("x")))}});
        sets.add(new Object[] {new Class<?>[] {Pojo.class}, new Object[] {Pojo.sample(3)}});
        Pojo shared = Pojo.sample(1);
        sets.add(new Object[] {new Class<?>[] {Pojo.class, Pojo.class, Object.class},
            new Object[] {shared, shared, List.of(shared, Pojo.sample(0))}});
        sets.add(new Object[] {new Class<?>[] {Date.class, BigDecimal.class, Color.class},
            new Object[] {new Date(0), new BigDecimal("-1.5"), Color.GREEN}});
        sets.add(new Object[] {new Class<?>[] {String.class, String[].class, Object[].class},
            new Object[] {"sayHello", new String[] {"java.lang.String"}, new Object[] {Map.of("class", "x.Y", "f", 1)}}});
        return sets;
    }
}
