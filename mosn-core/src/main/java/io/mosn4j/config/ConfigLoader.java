package io.mosn4j.config;

import io.mosn4j.api.config.ConfigException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
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
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads MOSN v2 config files (JSON or YAML) the way MOSN's Go decoder does: keys match ignoring
 * case, durations are Go duration strings (or numbers of nanoseconds), unknown keys are skipped
 * with a debug line. Every error names the path of the bad field.
 */
public final class ConfigLoader {
    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);

    private static final ObjectMapper MAPPER = newMapper(new JsonMapper());
    private static final ObjectMapper YAML = newMapper(new ObjectMapper(new YAMLFactory()));

    private ConfigLoader() {}

    /** The mapper used for both reading configs and writing config dumps. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static LoadedConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("", "config file " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("", "cannot read config file " + file + ": " + e.getMessage());
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
        return parse(text, yaml);
    }

    public static LoadedConfig parse(String text, boolean yaml) {
        JsonNode tree;
        try {
            tree = (yaml ? YAML : MAPPER).readTree(text);
        } catch (JsonProcessingException e) {
            throw malformed(e, yaml);
        }
        if (tree == null || !tree.isObject()) {
            throw new ConfigException("", "the config must be a " + (yaml ? "YAML mapping" : "JSON object"));
        }
        MosnConfig config = convert(tree, MosnConfig.class, "");
        checkNames(config);
        return new LoadedConfig(config, tree);
    }

    /** Converts {@code node} to {@code type}, reporting errors under {@code path}. */
    public static <T> T convert(JsonNode node, Class<T> type, String path) {
        try {
            return MAPPER.treeToValue(node, type);
        } catch (JsonMappingException e) {
            throw translate(e, path);
        } catch (JsonProcessingException e) {
            throw new ConfigException(path, e.getOriginalMessage());
        } catch (ConfigException e) {
            throw e.under(path);
        }
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

    private static ObjectMapper newMapper(ObjectMapper m) {
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
                if (log.isDebugEnabled()) {
                    log.debug("config: ignoring unsupported field \"{}\" at {}", propertyName, p.getParsingContext().pathAsPointer());
                }
                p.skipChildren();
                return true;
            }
        });
        return m;
    }
}
