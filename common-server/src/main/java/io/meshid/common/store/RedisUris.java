package io.meshid.common.store;

/** Shows a Redis URI without its password, for logs and messages. */
final class RedisUris {

    private RedisUris() {
    }

    /**
     * {@code uri} with the password in its user information replaced by {@code ****}:
     * {@code redis://app:s3cret@h:6379} becomes {@code redis://app:****@h:6379}, and
     * {@code redis://s3cret@h} (a password alone, to Redis) becomes {@code redis://****@h}.
     * Everything up to the last {@code @} counts as user information, so an unencoded {@code @}
     * in a password is masked too.
     */
    static String mask(String uri) {
        if (uri == null) {
            return "null";
        }
        int schemeEnd = uri.indexOf("://");
        int start = schemeEnd < 0 ? 0 : schemeEnd + 3;
        int at = uri.lastIndexOf('@');
        if (at < start) {
            return uri;
        }
        String userInfo = uri.substring(start, at);
        int colon = userInfo.indexOf(':');
        String masked = colon < 0 ? "****" : userInfo.substring(0, colon) + ":****";
        return uri.substring(0, start) + masked + uri.substring(at);
    }
}
