package io.mosn4j.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link SecretRedaction}: secrets go wherever they sit; what only looks like a key stays. */
class SecretRedactionTest {
    private static final String R = SecretRedaction.REDACTED;

    private static JsonNode redact(String json) throws Exception {
        return SecretRedaction.redact(ConfigLoader.mapper().readTree(json));
    }

    @ParameterizedTest
    @ValueSource(strings = {"private_key", "PrivateKey", "password", "db_password", "passwd", "passphrase", "secret",
            "client_secret", "token", "access_token", "X-Auth-Token", "api_key", "apikey", "x-api-key", "secret_access_key",
            "signing_key", "hmac_keys", "session_ticket_keys", "ticket", "credentials", "authorization", "proxy-authorization",
            "authentication"})
    void secretKeyNames(String name) {
        assertThat(SecretRedaction.isSecretKey(name)).as(name).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"key", "keys", "cache_key", "hash_key", "limit_key_type", "cert_chain", "ca_cert", "secret_name_prefix",
            "server_name", "max_tokens_per_fill", "sub_protocol", "keepalive", "monkey", "tokenizer"})
    void harmlessKeyNames(String name) {
        assertThat(SecretRedaction.isSecretKey(name)).as(name).isFalse();
    }

    @Test
    void secretsAreHiddenAtAnyDepthAndWholeSubtreesGo() throws Exception {
        JsonNode out = redact("""
                {"servers": [{"listeners": [{"filter_chains": [{"tls_context": {"status": false, "cert_chain": "CERT",
                   "private_key": "KEY", "ticket": ""}}],
                  "stream_filters": [{"type": "jwt", "config": {"providers": {"p": {"credentials": {"user": "u", "pass": "p"}}},
                    "api_key": 12345}}]}]}],
                 "cluster_manager": {"clusters": [{"hosts": [{"address": "127.0.0.1:1",
                   "metadata": {"filter_metadata": {"mosn.lb": {"Token": "t", "version": "v1"}}}}]}]}}
                """);
        JsonNode tls = out.at("/servers/0/listeners/0/filter_chains/0/tls_context");
        assertThat(tls.get("private_key").asText()).isEqualTo(R);
        assertThat(tls.get("cert_chain").asText()).as("certificates are public").isEqualTo("CERT");
        assertThat(tls.get("ticket").asText()).as("an empty value shows it is unset").isEmpty();
        JsonNode filter = out.at("/servers/0/listeners/0/stream_filters/0/config");
        assertThat(filter.at("/providers/p/credentials").asText()).isEqualTo(R);
        assertThat(filter.get("api_key").asText()).isEqualTo(R);
        JsonNode lb = out.at("/cluster_manager/clusters/0/hosts/0/metadata/filter_metadata/mosn.lb");
        assertThat(lb.get("Token").asText()).isEqualTo(R);
        assertThat(lb.get("version").asText()).isEqualTo("v1");
    }

    @Test
    void headerValuesNamedBySecretHeadersAreHidden() throws Exception {
        JsonNode out = redact("""
                {"headers": [{"name": "Authorization", "value": "Bearer abc"}, {"name": "x-env", "value": "canary"},
                             {"name": "Cookie", "value": "session=1"}],
                 "request_headers_to_add": [{"header": {"key": "X-Api-Key", "value": "k"}, "append": false}]}
                """);
        assertThat(out.at("/headers/0/value").asText()).isEqualTo(R);
        assertThat(out.at("/headers/0/name").asText()).isEqualTo("Authorization");
        assertThat(out.at("/headers/1/value").asText()).isEqualTo("canary");
        assertThat(out.at("/headers/2/value").asText()).isEqualTo(R);
        assertThat(out.at("/request_headers_to_add/0/header/value").asText()).isEqualTo(R);
    }

    @Test
    void pemPrivateKeysAndUrlPasswordsAreHiddenWhateverTheirKey() throws Exception {
        JsonNode out = redact("""
                {"inline_string": "-----BEGIN EC PRIVATE KEY-----\\nMHcC\\n-----END EC PRIVATE KEY-----\\n",
                 "cert": "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n",
                 "endpoint": "http://admin:hunter2@registry:8848/nacos"}
                """);
        assertThat(out.get("inline_string").asText()).isEqualTo(R);
        assertThat(out.get("cert").asText()).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(out.get("endpoint").asText()).isEqualTo("http://admin:" + R + "@registry:8848/nacos");
    }

    @Test
    void theTreeGivenIsLeftAsItWas() throws Exception {
        JsonNode in = ConfigLoader.mapper().readTree("{\"password\": \"p\"}");
        SecretRedaction.redact(in);
        assertThat(in.get("password").asText()).isEqualTo("p");
    }
}
