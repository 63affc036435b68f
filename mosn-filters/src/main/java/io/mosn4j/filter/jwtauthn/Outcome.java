package io.mosn4j.filter.jwtauthn;

/** How one requirement came out for a request; a failure's text is Envoy's, sent as the 401's body. */
enum Outcome {
    OK("OK"),
    MISSING("Jwt is missing"),
    BAD_FORMAT("Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections"),
    BAD_PAYLOAD("Jwt payload is an invalid JSON"),
    UNKNOWN_ISSUER("Jwt issuer is not configured"),
    EXPIRED("Jwt is expired"),
    NOT_YET_VALID("Jwt not yet valid"),
    AUDIENCE_NOT_ALLOWED("Audiences in Jwt are not allowed"),
    NO_MATCHING_KEY("Jwks doesn't have key to match kid or alg from Jwt"),
    VERIFICATION_FAILS("Jwt verification fails"),
    JWKS_FETCH_FAILED("Jwks remote fetch is failed");

    final String message;

    Outcome(String message) {
        this.message = message;
    }

    boolean ok() {
        return this == OK;
    }
}
