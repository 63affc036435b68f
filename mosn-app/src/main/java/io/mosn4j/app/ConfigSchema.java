package io.mosn4j.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.victools.jsonschema.generator.CustomDefinition;
import com.github.victools.jsonschema.generator.CustomPropertyDefinition;
import com.github.victools.jsonschema.generator.Option;
import com.github.victools.jsonschema.generator.OptionPreset;
import com.github.victools.jsonschema.generator.SchemaGenerator;
import com.github.victools.jsonschema.generator.SchemaGeneratorConfigBuilder;
import com.github.victools.jsonschema.generator.SchemaVersion;
import com.github.victools.jsonschema.module.jackson.JacksonModule;
import io.mosn4j.api.network.NetworkFilterFactory;
import io.mosn4j.api.protocol.ProtocolCodec;
import io.mosn4j.config.ConfigLoader;
import io.mosn4j.config.MosnConfig;
import io.mosn4j.config.ProxyConfig;
import io.mosn4j.config.ServerConfig;
import io.mosn4j.server.Extensions;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON Schema of a config file, generated from the config records the loader reads, so it
 * cannot drift from them. Keys are the canonical snake_case ones (the loader also takes any case,
 * as MOSN does). A network filter's {@code config} is described by the record its factory reads it
 * into ({@link NetworkFilterFactory#configType()}, for {@code type} spelled as the factory names
 * itself), and a {@code proxy}'s {@code extend_config} by each protocol's downstream settings
 * ({@link ProtocolCodec#serverOptionsType()}), flat and under the protocol's name: plugins' included.
 * Other filters' configs are left open, and so are keys the records do not have (MOSN settings
 * mosn4j warns about or refuses).
 */
final class ConfigSchema {
    private ConfigSchema() {}

    static ObjectNode generate(Extensions extensions) {
        SchemaGenerator generator = new SchemaGenerator(config());
        ObjectNode schema = generator.generateSchema(MosnConfig.class);
        ObjectNode filters = (ObjectNode) schema.at("/properties/servers/items/properties/listeners/items/properties/filter_chains"
                + "/items/properties/filters/items");
        if (filters.isMissingNode()) {
            throw new IllegalStateException("no servers[].listeners[].filter_chains[].filters[] in the config records");
        }
        var branches = filters.putArray("allOf");
        for (NetworkFilterFactory f : extensions.networkFilters().all()) {
            if (f.configType() == null) {
                continue;
            }
            ObjectNode config = part(schema, generator, f.configType());
            if (f.configType() == ProxyConfig.class) {
                describeExtendConfig(schema, generator, config, extensions);
            }
            ObjectNode branch = branches.addObject();
            ObjectNode when = branch.putObject("if");
            when.putObject("properties").putObject("type").put("const", f.name());
            when.putArray("required").add("type");
            branch.putObject("then").putObject("properties").set("config", config);
        }
        schema.put("title", "mosn4j config (MOSN v2 format)");
        schema.put("description", "The keys mosn4j reads, in their canonical spelling; mosn4j also matches them ignoring case, "
                + "as MOSN does. Other MOSN keys are accepted with a warning or refused: `mosn validate` says which.");
        return schema;
    }

    /** {@code extend_config}: every protocol's downstream settings, flat and under the protocol's name (which wins). */
    private static void describeExtendConfig(ObjectNode root, SchemaGenerator generator, ObjectNode proxy, Extensions extensions) {
        ObjectNode ext = (ObjectNode) proxy.path("properties").path("extend_config");
        if (ext.isMissingNode()) {
            throw new IllegalStateException("ProxyConfig has no extend_config");
        }
        ext.put("type", "object");
        ext.put("description", "settings each protocol reads for its downstream connections: flat, or under the protocol's "
                + "name for that protocol alone; other keys are for the protocols that read them (sub_protocol, ...)");
        ObjectNode props = ext.putObject("properties");
        for (ProtocolCodec c : extensions.codecs().all()) {
            if (c.serverOptionsType() == null) {
                continue;
            }
            ObjectNode options = part(root, generator, c.serverOptionsType());
            options.path("properties").properties().forEach(e -> {
                if (!props.has(e.getKey())) {
                    props.set(e.getKey(), e.getValue().deepCopy());
                }
            });
            props.set(c.name().toLowerCase(Locale.ROOT), options);
        }
    }

    /** The schema of {@code type} as a part of {@code root}: its definitions moved into root's. */
    private static ObjectNode part(ObjectNode root, SchemaGenerator generator, Class<?> type) {
        ObjectNode part = generator.generateSchema(type);
        part.remove("$schema");
        JsonNode defs = part.remove("$defs");
        if (defs != null) {
            ObjectNode rootDefs = root.has("$defs") ? (ObjectNode) root.get("$defs") : root.putObject("$defs");
            for (Map.Entry<String, JsonNode> d : defs.properties()) {
                JsonNode had = rootDefs.get(d.getKey());
                if (had == null) {
                    rootDefs.set(d.getKey(), d.getValue());
                } else if (!had.equals(d.getValue())) {
                    throw new IllegalStateException("two config types define " + d.getKey() + " in the schema");
                }
            }
        }
        return part;
    }

    private static com.github.victools.jsonschema.generator.SchemaGeneratorConfig config() {
        SchemaGeneratorConfigBuilder b = new SchemaGeneratorConfigBuilder(ConfigLoader.mapper(), SchemaVersion.DRAFT_2020_12,
                OptionPreset.PLAIN_JSON)
                .with(new JacksonModule())
                .without(Option.NULLABLE_FIELDS_BY_DEFAULT);
        // the loader's naming strategy: a record component lbType is the key lb_type
        var naming = (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;
        b.forFields().withPropertyNameOverrideResolver(f -> naming.translate(f.getDeclaredName()));
        b.forTypesInGeneral().withCustomDefinitionProvider((type, context) -> {
            Class<?> raw = type.getErasedType();
            if (raw == Duration.class) {
                ObjectNode d = context.getGeneratorConfig().createObjectNode();
                d.putArray("type").add("string").add("integer");
                d.put("pattern", "^([0-9]+(\\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$|^0$");
                d.put("description", "a Go duration (\"500ms\", \"1m30s\"); a bare number is nanoseconds");
                return new CustomDefinition(d, CustomDefinition.DefinitionType.INLINE, CustomDefinition.AttributeInclusion.NO);
            }
            if (JsonNode.class.isAssignableFrom(raw)) {
                return new CustomDefinition(context.getGeneratorConfig().createObjectNode(),
                        CustomDefinition.DefinitionType.INLINE, CustomDefinition.AttributeInclusion.NO);
            }
            return null;
        });
        b.forFields().withCustomDefinitionProvider((field, context) -> {
            if (field.getDeclaringType().getErasedType() != ServerConfig.class || !field.getDeclaredName().equals("processor")) {
                return null;
            }
            ObjectNode d = context.getGeneratorConfig().createObjectNode();
            d.putArray("type").add("integer").add("string");
            d.put("description", "worker event loops: a number, a number in a string, or \"auto\" (one per CPU)");
            return new CustomPropertyDefinition(d, CustomDefinition.AttributeInclusion.NO);
        });
        return b.build();
    }
}
