package io.mosn4j.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Hides secrets in a config before it is shown ({@code config_dump}), wherever they sit: TLS
 * contexts, filter configs, {@code extend_config}, {@code per_filter_config}, host metadata, any
 * extension's part. Secret values become {@value #REDACTED} (MOSN's placeholder). By key name, so
 * that an extension's secrets are covered without it declaring them:
 *
 * <ul>
 *   <li>a key whose name, in lower case without {@code _ - .} and spaces, ends with {@code
 *       password}, {@code passwd}, {@code passphrase}, {@code secret}, {@code token}, {@code
 *       credential(s)}, {@code authorization}, {@code authentication} or {@code ticket} ({@code
 *       private_key}, {@code client_secret}, {@code access_token}, {@code
 *       proxy-authorization}); or with {@code key}/{@code keys} after {@code private}, {@code api},
 *       {@code access}, {@code secret}, {@code signing}, {@code hmac}, {@code encryption}, {@code
 *       session}, {@code ticket}, {@code master}, {@code shared}, {@code client} or {@code auth}
 *       ({@code api_key}, {@code x-api-key}, {@code secret_access_key}). Its whole value goes,
 *       objects and lists included;</li>
 *   <li>the {@code value} beside a {@code name}, {@code key} or {@code header} naming such a key,
 *       or {@code cookie} ({@code {"name": "Authorization", "value": "Bearer …"}}: headers to add
 *       or to match);</li>
 *   <li>any text holding a PEM private key ({@code -----BEGIN … PRIVATE KEY-----}), whatever its
 *       key;</li>
 *   <li>the password of a URL's user info ({@code http://user:secret@host}).</li>
 * </ul>
 *
 * <p>{@code key} alone is not a secret ({@code cache_key}, {@code limit_key_type}, a header
 * match's {@code "key"}), nor are certificates ({@code cert_chain}, {@code ca_cert}): they are
 * public, and a dump without them could not be compared with the file. Empty values stay, so a
 * dump still shows what is unset.
 */
public final class SecretRedaction {
    public static final String REDACTED = "***REDACTED***";

    private static final List<String> SECRET_ENDINGS = List.of("password", "passwd", "passphrase", "secret", "secrets", "token",
            "credential", "credentials", "authorization", "authentication", "ticket");
    private static final List<String> SECRET_KEY_KINDS = List.of("private", "api", "access", "secret", "signing", "hmac",
            "encryption", "session", "ticket", "master", "shared", "client", "auth");
    private static final Pattern PEM_PRIVATE_KEY = Pattern.compile("-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----");
    private static final Pattern URL_PASSWORD = Pattern.compile("(://[^/@\\s:]+:)[^/@\\s]+@");

    private SecretRedaction() {}

    /** A copy of {@code tree} with its secrets replaced; {@code tree} is left as it is. */
    public static JsonNode redact(JsonNode tree) {
        JsonNode copy = tree.deepCopy();
        return walk(copy);
    }

    /** Whether a key of this name holds a secret. */
    static boolean isSecretKey(String name) {
        String n = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        for (String end : SECRET_ENDINGS) {
            if (n.endsWith(end)) {
                return true;
            }
        }
        String stem = n.endsWith("keys") ? n.substring(0, n.length() - 4) : n.endsWith("key") ? n.substring(0, n.length() - 3) : null;
        if (stem != null) {
            for (String kind : SECRET_KEY_KINDS) {
                if (stem.endsWith(kind)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static JsonNode walk(JsonNode node) {
        if (node instanceof ObjectNode o) {
            boolean secretPair = namesASecret(o);
            for (var it = o.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                if (hasContent(v) && (isSecretKey(e.getKey()) || secretPair && e.getKey().equalsIgnoreCase("value"))) {
                    e.setValue(TextNode.valueOf(REDACTED));
                } else {
                    e.setValue(walk(v));
                }
            }
            return o;
        }
        if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                a.set(i, walk(a.get(i)));
            }
            return a;
        }
        if (node.isTextual()) {
            String s = node.textValue();
            if (PEM_PRIVATE_KEY.matcher(s).find()) {
                return TextNode.valueOf(REDACTED);
            }
            String hidden = URL_PASSWORD.matcher(s).replaceAll("$1" + java.util.regex.Matcher.quoteReplacement(REDACTED) + "@");
            return hidden.equals(s) ? node : TextNode.valueOf(hidden);
        }
        return node;
    }

    /** {@code {"name": "Authorization", "value": ...}}: a header (to add or to match) carrying a secret. */
    private static boolean namesASecret(ObjectNode o) {
        for (var it = o.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey().toLowerCase(Locale.ROOT);
            if ((k.equals("name") || k.equals("key") || k.equals("header")) && e.getValue().isTextual()
                    && (isSecretKey(e.getValue().textValue()) || e.getValue().textValue().toLowerCase(Locale.ROOT).endsWith("cookie"))) {
                return true;
            }
        }
        return false;
    }

    private static boolean hasContent(JsonNode v) {
        return !(v.isNull() || v.isTextual() && v.textValue().isEmpty() || v.isContainerNode() && v.isEmpty());
    }
}
