package io.mosn4j.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.mosn4j.api.config.ConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A record's deserializer is built when a config holds one, not with the records that can hold it (start-up time). */
class LazyRecordPropertiesTest {
    private final List<Class<?>> built = new ArrayList<>();
    private final ObjectMapper mapper = ConfigLoader.newMapper(new JsonMapper()).registerModule(
            new SimpleModule("count").setDeserializerModifier(new BeanDeserializerModifier() {
                @Override
                public JsonDeserializer<?> modifyDeserializer(DeserializationConfig config, BeanDescription desc, JsonDeserializer<?> deser) {
                    built.add(desc.getBeanClass());
                    return deser;
                }
            }));

    @Test
    void recordsTheConfigDoesNotHoldAreNeverBuilt() throws Exception {
        ClusterConfig c = mapper.readValue("""
                {"name": "c", "health_check": null, "hosts": [{"address": "127.0.0.1:80"}]}
                """, ClusterConfig.class);
        assertThat(c.hosts()).extracting(HostConfig::address).containsExactly("127.0.0.1:80");
        assertThat(c.healthCheck()).isNull();
        assertThat(c.tlsContext()).isNull();
        assertThat(built).contains(ClusterConfig.class, HostConfig.class)
                .doesNotContain(HealthCheckConfig.class, TlsContextConfig.class, OutlierDetectionConfig.class, LbSubsetConfig.class);
    }

    @Test
    void aRecordIsBuiltWhenTheConfigFirstHoldsOne() throws Exception {
        mapper.readValue("{\"name\": \"c\"}", ClusterConfig.class);
        assertThat(built).doesNotContain(HealthCheckConfig.class);
        ClusterConfig c = mapper.readValue("{\"name\": \"c\", \"health_check\": {\"interval\": \"3s\"}}", ClusterConfig.class);
        assertThat(c.healthCheck().interval()).isEqualTo(Duration.ofSeconds(3));
        assertThat(built).contains(HealthCheckConfig.class);
    }

    @Test
    void anErrorInsideALaterBuiltRecordNamesItsFullPath() {
        assertThatThrownBy(() -> ConfigLoader.convert(ConfigLoader.mapper().readTree("""
                {"name": "c", "hosts": [{"address": "127.0.0.1:80"}, {"address": "127.0.0.1:81", "weight": "x"}]}
                """), ClusterConfig.class, "cluster_manager.clusters[3]"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("cluster_manager.clusters[3].hosts[1].weight: invalid value \"x\" (expected an integer)");
    }
}
