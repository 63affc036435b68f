package io.mosn4j.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.ContextualDeserializer;
import com.fasterxml.jackson.databind.deser.SettableBeanProperty;
import com.fasterxml.jackson.databind.jsontype.TypeDeserializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the deserializer of a record-valued property (a record, or a list or map of records) when the
 * property is first read, not when the record holding it is. Jackson builds a bean's deserializer
 * with those of all its properties, recursively: the first config read built the ~100 config
 * records' deserializers (TLS, health checks, subsets...), most of which a config never uses, and
 * that was most of the time reading the config took at start. What a property reads, and the errors
 * and paths it reports, are those of the deserializer Jackson would have given it: it is found the
 * same way, only later.
 *
 * <p>A property left absent or null reads as null without finding it: Jackson's record and
 * collection deserializers have no null or absent value of their own.
 */
final class LazyRecordProperties extends BeanDeserializerModifier {
    @Override
    public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription beanDesc, BeanDeserializerBuilder builder) {
        List<SettableBeanProperty> deferred = new ArrayList<>();
        builder.getProperties().forEachRemaining(prop -> {
            if (!prop.hasValueDeserializer() && !prop.hasValueTypeDeserializer()
                    && prop.getAnnotation(JsonDeserialize.class) == null && holdsRecords(prop.getType())) {
                deferred.add(prop);
            }
        });
        if (deferred.isEmpty()) {
            return builder;
        }
        // A record's properties are its constructor's parameters too, kept by its instantiator; Jackson
        // resolves those separately (and at once) unless the instantiator's array holds the replacements,
        // which it swaps into that array the same way when it resolves a property.
        SettableBeanProperty[] creatorProps = builder.getValueInstantiator() == null ? null
                : builder.getValueInstantiator().getFromObjectArguments(config);
        for (SettableBeanProperty prop : deferred) {
            SettableBeanProperty lazy = prop.withValueDeserializer(new Deferred(prop.getType(), null));
            builder.addOrReplaceProperty(lazy, true);
            if (creatorProps != null) {
                for (int i = 0; i < creatorProps.length; i++) {
                    if (creatorProps[i] == prop) {
                        creatorProps[i] = lazy;
                    }
                }
            }
        }
        return builder;
    }

    /** A record, or a collection or map whose values are records: types whose deserializers are beans'. */
    static boolean holdsRecords(JavaType type) {
        if (type.isContainerType()) {
            return type.getContentType() != null && holdsRecords(type.getContentType());
        }
        return type.getRawClass().isRecord() && type.getRawClass().getAnnotation(JsonDeserialize.class) == null;
    }

    /** Finds and contextualizes the property's deserializer as Jackson's bean resolution would, on first use. */
    static final class Deferred extends JsonDeserializer<Object> implements ContextualDeserializer {
        private final JavaType type;
        private final BeanProperty property;
        private volatile JsonDeserializer<Object> found;

        Deferred(JavaType type, BeanProperty property) {
            this.type = type;
            this.property = property;
        }

        @Override
        public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property) {
            return new Deferred(type, property);
        }

        @SuppressWarnings("unchecked")
        private JsonDeserializer<Object> real(DeserializationContext ctxt) throws JsonMappingException {
            JsonDeserializer<Object> d = found;
            if (d == null) {
                d = ctxt.findNonContextualValueDeserializer(type);
                d = (JsonDeserializer<Object>) ctxt.handlePrimaryContextualization(d, property, type);
                found = d;
            }
            return d;
        }

        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return real(ctxt).deserialize(p, ctxt);
        }

        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctxt, Object intoValue) throws IOException {
            return real(ctxt).deserialize(p, ctxt, intoValue);
        }

        @Override
        public Object deserializeWithType(JsonParser p, DeserializationContext ctxt, TypeDeserializer typeDeserializer) throws IOException {
            return real(ctxt).deserializeWithType(p, ctxt, typeDeserializer);
        }

        @Override
        public Object getNullValue(DeserializationContext ctxt) {
            return null;
        }

        @Override
        public Object getAbsentValue(DeserializationContext ctxt) {
            return null;
        }

        @Override
        public Object getEmptyValue(DeserializationContext ctxt) throws JsonMappingException {
            return real(ctxt).getEmptyValue(ctxt);
        }

        @Override
        public Class<?> handledType() {
            return type.getRawClass();
        }

        @Override
        public JsonDeserializer<?> getDelegatee() {
            return found;
        }
    }
}
