package io.mosn4j.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.TypeRegistry;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prints Envoy messages as Envoy's admin API does: proto3 JSON with the proto field names
 * ({@code version_info}), every {@code Any} shown with its {@code @type}. The type registry is
 * built from the message itself: each {@code Any}'s type is looked up among the Envoy, xDS/udpa
 * and protobuf classes on the class path. An {@code Any} of a type none of them defines (Istio's
 * telemetry filters' configs, which the conversion skips) is shown as a
 * {@code google.protobuf.Struct} naming that type, so printing never fails. Any thread.
 */
final class EnvoyJson {
    /** The generated message of each type name, or empty when none is on the class path. */
    private static final Map<String, Optional<Message>> TYPES = new ConcurrentHashMap<>();

    private EnvoyJson() {}

    static String print(Message m) {
        TypeRegistry.Builder registry = TypeRegistry.newBuilder();
        Message printable = resolve(m, registry, new HashSet<>());
        try {
            return JsonFormat.printer().usingTypeRegistry(registry.build()).preservingProtoFieldNames().print(printable);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("cannot print " + m.getDescriptorForType().getFullName() + ": " + e.getMessage(), e);
        }
    }

    /** {@code m}, with each Any of an unknown type replaced; the known types' files are added to {@code registry}. */
    private static Message resolve(Message m, TypeRegistry.Builder registry, Set<String> added) {
        if (m instanceof Any any) {
            return resolveAny(any, registry, added);
        }
        Message.Builder b = null;
        for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
            FieldDescriptor f = e.getKey();
            if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            if (f.isRepeated()) {
                List<?> values = (List<?>) e.getValue();
                List<Object> changed = null;
                for (int i = 0; i < values.size(); i++) {
                    Message v = (Message) values.get(i);
                    Message r = resolve(v, registry, added);
                    if (r != v && changed == null) {
                        changed = new ArrayList<>(values);
                    }
                    if (changed != null) {
                        changed.set(i, r);
                    }
                }
                if (changed != null) {
                    b = b == null ? m.toBuilder() : b;
                    b.setField(f, changed);
                }
            } else {
                Message v = (Message) e.getValue();
                Message r = resolve(v, registry, added);
                if (r != v) {
                    b = b == null ? m.toBuilder() : b;
                    b.setField(f, r);
                }
            }
        }
        return b == null ? m : b.build();
    }

    private static Message resolveAny(Any any, TypeRegistry.Builder registry, Set<String> added) {
        String url = any.getTypeUrl();
        Message type = type(url.substring(url.lastIndexOf('/') + 1)).orElse(null);
        if (type == null) {
            return unknown(url, "no such type in mosn4j", registry, added);
        }
        Message inner;
        try {
            inner = type.getParserForType().parseFrom(any.getValue());
        } catch (InvalidProtocolBufferException e) {
            return unknown(url, "cannot decode: " + e.getMessage(), registry, added);
        }
        if (added.add(url)) {
            registry.add(inner.getDescriptorForType());
        }
        Message r = resolve(inner, registry, added);
        return r == inner ? any : Any.newBuilder().setTypeUrl(url).setValue(r.toByteString()).build();
    }

    private static Any unknown(String url, String why, TypeRegistry.Builder registry, Set<String> added) {
        if (added.add("google.protobuf.Struct")) {
            registry.add(Struct.getDescriptor());
        }
        return Any.pack(Struct.newBuilder().putFields("type_url", Value.newBuilder().setStringValue(url).build())
                .putFields("not_shown", Value.newBuilder().setStringValue(why).build()).build());
    }

    /** The generated message of a proto type name, by the Java packages the Envoy API jar uses. */
    private static Optional<Message> type(String name) {
        return TYPES.computeIfAbsent(name, n -> {
            String javaName = n.startsWith("envoy.") ? "io.envoyproxy." + n
                    : n.startsWith("xds.") ? "com.github." + n
                    : n.startsWith("udpa.") ? "com.github.udpa." + n
                    : n.startsWith("google.protobuf.") ? "com.google.protobuf." + n.substring("google.protobuf.".length())
                    : n.startsWith("google.rpc.") ? "com.google.rpc." + n.substring("google.rpc.".length())
                    : null;
            if (javaName == null) {
                return Optional.empty();
            }
            // a nested message (ClustersConfigDump.DynamicCluster) is a nested class: try each dot from the right as a '$'
            for (String candidate = javaName; candidate != null; ) {
                try {
                    Class<?> c = Class.forName(candidate, true, EnvoyJson.class.getClassLoader());
                    Object instance = c.getMethod("getDefaultInstance").invoke(null);
                    return instance instanceof Message m && m.getDescriptorForType().getFullName().equals(n) ? Optional.of(m)
                            : Optional.empty();
                } catch (ClassNotFoundException e) {
                    int dot = candidate.lastIndexOf('.');
                    candidate = dot < 0 ? null : candidate.substring(0, dot) + "$" + candidate.substring(dot + 1);
                } catch (ReflectiveOperationException | LinkageError e) {
                    return Optional.empty();
                }
            }
            return Optional.empty();
        });
    }
}
