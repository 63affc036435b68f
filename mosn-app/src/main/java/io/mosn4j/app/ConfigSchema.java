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
import io.mosn4j.config.ConfigLoader;
import io.mosn4j.config.MosnConfig;
import io.mosn4j.config.ServerConfig;
import java.time.Duration;

/**
 * The JSON Schema of a config file, generated from the config records the loader reads, so it
 * cannot drift from them. Keys are the canonical snake_case ones (the loader also takes any case,
 * as MOSN does); a filter's own {@code config} is the filter's to read and is left open, and so are
 * keys the records do not have (MOSN settings mosn4j warns about or refuses).
 */
final class ConfigSchema {
    private ConfigSchema() {}

    static ObjectNode generate() {
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
        ObjectNode schema = new SchemaGenerator(b.build()).generateSchema(MosnConfig.class);
        schema.put("title", "mosn4j config (MOSN v2 format)");
        schema.put("description", "The keys mosn4j reads, in their canonical spelling; mosn4j also matches them ignoring case, "
                + "as MOSN does. Other MOSN keys are accepted with a warning or refused: `mosn validate` says which.");
        return schema;
    }
}
