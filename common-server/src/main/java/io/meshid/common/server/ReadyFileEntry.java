package io.meshid.common.server;

/**
 * An address a server adds to its ready file beside its gRPC and HTTP ports (the CA's bundle
 * endpoint, say). Beans of this type are gathered when the file is written.
 */
public interface ReadyFileEntry {

    /** The JSON key, such as {@code bundle_endpoint}. */
    String key();

    /** The value, such as {@code https://127.0.0.1:7443}. */
    String value();
}
