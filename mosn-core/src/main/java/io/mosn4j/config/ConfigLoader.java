package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads MOSN v2 config files (JSON or YAML) the way MOSN's Go decoder does: keys match ignoring
 * case, durations are Go duration strings (or numbers of nanoseconds). Keys mosn4j does not act on
 * are refused when that would change security or routing, otherwise skipped with a warning
 * ({@link UnsupportedFields}, {@link ConfigWarnings}). Every error names the path of the bad field.
 */
public final class ConfigLoader {
    private static final ObjectMapper MAPPER = newMapper(new JsonMapper());
    private static final ObjectMapper YAML = newMapper(new ObjectMapper(new YAMLFactory()));
    /** Where the value being converted sits, so fields met while converting are named by their full path. */
    private static final ScopedValue<String> BASE_PATH = ScopedValue.newInstance();
    /** Whether the value being converted is a bag other readers share too ({@link JsonConfigValue#shared()}). */
    private static final ScopedValue<Boolean> SHARED = ScopedValue.newInstance();

    private ConfigLoader() {}

    /** The mapper used for both reading configs and writing config dumps. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static LoadedConfig load(Path file) {
        return fromTree(readTree(file));
    }

    public static LoadedConfig parse(String text, boolean yaml) {
        return fromTree(readTree(text, yaml));
    }

    /** Reads a config file's text into a tree (JSON, or YAML when {@code yaml}), without checking what it holds. */
    public static JsonNode readTree(String text, boolean yaml) {
        JsonNode tree;
        try {
            tree = (yaml ? YAML : MAPPER).readTree(text);
        } catch (JsonProcessingException e) {
            throw malformed(e, yaml);
        }
        if (tree == null || !tree.isObject()) {
            throw new ConfigException("", "the config must be a " + (yaml ? "YAML mapping" : "JSON object"));
        }
        return tree;
    }

    /** Reads {@code file}'s text (JSON, or YAML by its .yaml/.yml name) into a tree. */
    public static JsonNode readTree(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("", "config file " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("", "cannot read config file " + file + ": " + e.getMessage());
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return readTree(text, name.endsWith(".yaml") || name.endsWith(".yml"));
    }

    /** A MOSN config from a tree already read (an object), checked as {@link #parse} checks it. */
    public static LoadedConfig fromTree(JsonNode tree) {
        MosnConfig config = convert(tree, MosnConfig.class, "");
        checkNames(config);
        JsonConfigValue root = new JsonConfigValue(tree, "");
        MetricsConfig.parse(root.get("metrics")); // refuses or warns about its keys now, with the rest
        HolmesConfig.parse(root);
        return new LoadedConfig(config, tree);
    }

    /**
     * Every error {@link #load} would stop at the first of. When the file as a whole does not load,
     * each route table, listener and cluster, and the admin section, is read on its own, so one bad
     * part does not hide another ({@code mosn validate}). Empty when the file loads.
     */
    public static List<ConfigException> problems(Path file) {
        try {
            load(file);
            return List.of();
        } catch (ConfigException first) {
            JsonNode tree;
            try {
                String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
                tree = (name.endsWith(".yaml") || name.endsWith(".yml") ? YAML : MAPPER).readTree(Files.readString(file));
            } catch (IOException e) {
                return List.of(first); // unreadable or malformed: there are no parts to read
            }
            List<ConfigException> found = new ArrayList<>();
            JsonConfigValue root = new JsonConfigValue(tree, "");
            JsonConfigValue server = root.get("servers").at(0);
            eachPart(server.get("routers"), "servers[0].routers", RouterConfig.class, found);
            eachPart(server.get("listeners"), "servers[0].listeners", ListenerConfig.class, found);
            eachPart(root.get("cluster_manager").get("clusters"), "cluster_manager.clusters", ClusterConfig.class, found);
            JsonConfigValue admin = root.get("admin");
            if (!admin.isMissing()) {
                part(admin.node(), "admin", AdminConfig.class, found);
            }
            if (found.stream().noneMatch(e -> e.getMessage().equals(first.getMessage()))) {
                found.addFirst(first); // outside the parts (a server setting, a top-level key): as load said it
            }
            return found;
        }
    }

    private static void eachPart(JsonConfigValue list, String path, Class<?> type, List<ConfigException> found) {
        if (list.isArray()) {
            for (int i = 0; i < list.node().size(); i++) {
                part(list.node().get(i), path + "[" + i + "]", type, found);
            }
        }
    }

    private static void part(JsonNode node, String path, Class<?> type, List<ConfigException> found) {
        try {
            convert(node, type, path);
        } catch (ConfigException e) {
            found.add(e);
        }
    }

    /**
     * Converts {@code node} to {@code type}, reporting errors under {@code path}. Keys of MOSN's
     * format that mosn4j does not act on are refused or warned about here ({@link UnsupportedFields}).
     */
    public static <T> T convert(JsonNode node, Class<T> type, String path) {
        return convert(node, type, path, false);
    }

    /**
     * As {@link #convert(JsonNode, Class, String)}; with {@code shared}, keys {@code type} does not
     * have belong to another reader of the same part ({@code extend_config}) and are not warned about.
     */
    static <T> T convert(JsonNode node, Class<T> type, String path, boolean shared) {
        try {
            return ScopedValue.where(BASE_PATH, path).where(SHARED, shared).call(() -> MAPPER.treeToValue(node, type));
        } catch (RefusedField e) {
            throw e.error;
        } catch (JsonMappingException e) {
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) { // Jackson wraps it with the path it knows
                if (t instanceof RefusedField r) {
                    throw r.error;
                }
            }
            throw translate(e, path);
        } catch (JsonProcessingException e) {
            throw new ConfigException(path, e.getOriginalMessage());
        } catch (ConfigException e) {
            throw e.under(path);
        }
    }

    /** A refusal raised while converting, already carrying the field's full path. */
    private static final class RefusedField extends RuntimeException {
        final ConfigException error;

        RefusedField(ConfigException error) {
            super(error.getMessage(), null, false, false);
            this.error = error;
        }
    }

    /**
     * The full path of the value {@code p} is at ({@code servers[0].listeners[1].log_path}), for
     * deserializers that warn about a value they read.
     */
    static String pathOf(JsonParser p) {
        var ctx = p.getParsingContext();
        if (p.currentToken() == JsonToken.START_OBJECT || p.currentToken() == JsonToken.START_ARRAY) {
            ctx = ctx.getParent(); // the parser has stepped inside the value: its position is in the parent
        }
        return pathOf(ctx);
    }

    private static String pathOf(JsonStreamContext start) {
        List<String> parts = new ArrayList<>();
        for (var ctx = start; ctx != null; ctx = ctx.getParent()) {
            if (ctx.inObject() && ctx.getCurrentName() != null) {
                parts.add("." + ctx.getCurrentName());
            } else if (ctx.inArray() && ctx.getCurrentIndex() >= 0) {
                parts.add("[" + ctx.getCurrentIndex() + "]");
            }
        }
        StringBuilder sb = new StringBuilder(BASE_PATH.orElse(""));
        for (int i = parts.size() - 1; i >= 0; i--) {
            sb.append(parts.get(i));
        }
        return !sb.isEmpty() && sb.charAt(0) == '.' ? sb.substring(1) : sb.toString();
    }

    /** The path of the unknown key {@code name} that {@code p} is at the value of. */
    private static String unknownKeyPath(DeserializationContext ctx, JsonParser p, String name) {
        JsonParser main = ctx.getParser();
        if (main == null || main == p) {
            return pathOf(p);
        }
        // A record's unknown keys are buffered and replayed once it is built (when its last component
        // is read, or at its end), from a parser that knows nothing of the file. The main parser is
        // then at the record's next key, inside the record, or past its end, where the record is.
        var record = main.getParsingContext();
        if (main.currentToken() == JsonToken.FIELD_NAME && record != null) {
            record = record.getParent();
        }
        String at = pathOf(record);
        return at.isEmpty() ? name : at + "." + name;
    }

    /** Checks what a record cannot check alone: names that must be unique across lists. */
    private static void checkNames(MosnConfig config) {
        ServerConfig server = config.server();
        Set<String> routers = new HashSet<>();
        for (int i = 0; i < server.routers().size(); i++) {
            String name = server.routers().get(i).routerConfigName();
            if (!routers.add(name)) {
                throw new ConfigException("servers[0].routers[" + i + "].router_config_name", "duplicate router name \"" + name + "\"");
            }
        }
        Set<String> listeners = new HashSet<>();
        for (int i = 0; i < server.listeners().size(); i++) {
            String name = server.listeners().get(i).name();
            if (!listeners.add(name)) {
                throw new ConfigException("servers[0].listeners[" + i + "].name", "duplicate listener name \"" + name + "\"");
            }
        }
    }

    private static ConfigException translate(JsonMappingException e, String base) {
        StringBuilder path = new StringBuilder(base);
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(snake(ref.getFieldName()));
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        Throwable cause = e.getCause();
        if (e instanceof ValueInstantiationException && cause instanceof ConfigException ce) {
            return ce.under(path.toString());
        }
        if (cause instanceof ConfigException ce) {
            return ce.under(path.toString());
        }
        String reason;
        if (e instanceof InvalidFormatException ife) {
            reason = "invalid value " + quote(ife.getValue()) + " (expected " + describe(ife.getTargetType()) + ")";
            if (cause instanceof IllegalArgumentException iae && iae.getMessage() != null) {
                reason = iae.getMessage();
            }
        } else if (e instanceof MismatchedInputException mie && mie.getTargetType() != null) {
            reason = "expected " + describe(mie.getTargetType());
        } else if (cause instanceof com.fasterxml.jackson.core.exc.InputCoercionException ice) {
            reason = "number out of range (" + oneLine(ice.getOriginalMessage()) + ")";
        } else if (cause instanceof com.fasterxml.jackson.core.JacksonException je) {
            reason = je.getOriginalMessage();
        } else if (cause != null && cause.getMessage() != null) {
            reason = cause.getMessage();
        } else {
            reason = e.getOriginalMessage();
        }
        return new ConfigException(path.toString(), oneLine(reason));
    }

    private static ConfigException malformed(JsonProcessingException e, boolean yaml) {
        int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
        int column = e.getLocation() == null ? -1 : e.getLocation().getColumnNr();
        String problem = e.getOriginalMessage();
        if (problem != null && problem.startsWith("Trailing token")) {
            problem = "unexpected content after the end of the config";
        }
        if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException y) {
            problem = y.getProblem();
            if (y.getProblemMark() != null) {
                line = y.getProblemMark().getLine() + 1;
                column = y.getProblemMark().getColumn() + 1;
            }
        }
        return new ConfigException("", "malformed " + (yaml ? "YAML" : "JSON")
                + (line < 0 ? "" : " at line " + line + ", column " + column) + ": " + oneLine(problem));
    }

    /** Jackson's messages carry source locations and line breaks: keep the first sentence of the reason. */
    public static String oneLine(String message) {
        if (message == null) {
            return "invalid value";
        }
        String m = message;
        int nl = m.indexOf('\n');
        if (nl >= 0) {
            m = m.substring(0, nl);
        }
        int marker = m.indexOf(" (start marker at");
        if (marker >= 0) {
            m = m.substring(0, marker);
        }
        int source = m.indexOf(" at [Source:");
        if (source >= 0) {
            m = m.substring(0, source);
        }
        return m.strip();
    }

    private static String describe(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        if (List.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Duration.class) {
            return "a duration such as \"1s\"";
        }
        if (type == Integer.class || type == Long.class || type == int.class || type == long.class) {
            return "an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        return "an object";
    }

    private static String quote(Object v) {
        return v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
    }

    private static String snake(String name) {
        StringBuilder sb = new StringBuilder(name.length() + 4);
        for (char c : name.toCharArray()) {
            if (Character.isUpperCase(c)) {
                sb.append('_').append(Character.toLowerCase(c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    static ObjectMapper newMapper(ObjectMapper m) {
        SimpleModule durations = new SimpleModule("go-durations");
        durations.addDeserializer(Duration.class, new JsonDeserializer<>() {
            @Override
            public Duration deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                return switch (p.currentToken()) {
                    case VALUE_STRING -> {
                        try {
                            yield GoDuration.parse(p.getText().trim());
                        } catch (IllegalArgumentException e) {
                            throw InvalidFormatException.from(p, e.getMessage(), p.getText(), Duration.class);
                        }
                    }
                    // MOSN's DurationConfig takes a bare number as nanoseconds, like Go's time.Duration.
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> Duration.ofNanos(p.getLongValue());
                    default -> (Duration) ctx.handleUnexpectedToken(Duration.class, p);
                };
            }
        });
        durations.addSerializer(Duration.class, new StdSerializer<>(Duration.class) {
            @Override
            public void serialize(Duration d, com.fasterxml.jackson.core.JsonGenerator g, com.fasterxml.jackson.databind.SerializerProvider p) throws IOException {
                g.writeString(GoDuration.format(d));
            }
        });
        m.registerModule(durations);
        m.registerModule(new SimpleModule("lazy-record-properties").setDeserializerModifier(new LazyRecordProperties()));
        m.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
        m.configure(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES, true);
        m.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        m.configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false);
        m.configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true); // Go refuses text after the value
        m.configure(SerializationFeature.INDENT_OUTPUT, true);
        m.setSerializationInclusion(JsonInclude.Include.NON_NULL);
        m.addHandler(new DeserializationProblemHandler() {
            @Override
            public boolean handleUnknownProperty(DeserializationContext ctx, JsonParser p, JsonDeserializer<?> deserializer,
                                                 Object beanOrClass, String propertyName) throws IOException {
                Class<?> owner = beanOrClass instanceof Class<?> c ? c : beanOrClass.getClass();
                String path = unknownKeyPath(ctx, p, propertyName);
                JsonNode value = ctx.readTree(p);
                UnsupportedFields.Rule rule = UnsupportedFields.rule(owner, propertyName);
                if (rule.unknown() && SHARED.orElse(false)) {
                    return true; // another reader's key
                }
                if (rule.on().test(value)) {
                    switch (rule.action()) {
                        case REFUSE -> throw new RefusedField(new ConfigException(path, rule.reason()));
                        case WARN -> ConfigWarnings.warn(path, rule.reason() + "; ignored");
                        case ACCEPT -> { }
                    }
                }
                return true;
            }
        });
        return m;
    }
}
