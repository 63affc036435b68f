package io.mosn4j.filter.jwtauthn;

/**
 * A token found in a request.
 *
 * @param token the compact JWT
 * @param header the header it came in (removed after it verified, unless forwarded), or null for a query parameter
 */
record FoundToken(String token, String header) {}
