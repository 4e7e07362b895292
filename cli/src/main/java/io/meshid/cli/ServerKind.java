package io.meshid.cli;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import java.util.Locale;

/** The three meshid servers meshctl talks to, with the SPIFFE ID each must present. */
public enum ServerKind {
    /** cert-authority: bundles, rotation, the issuance journal. */
    CA("cert-authority", "ca"),
    /** identity-server: the registry, attestation, tokens. */
    IDENTITY("identity-server", "identity"),
    /** policy-server: policy sets and decisions. */
    POLICY("policy-server", "policy");

    private final String serverName;
    private final String key;

    ServerKind(String serverName, String key) {
        this.serverName = serverName;
        this.key = key;
    }

    /** The server's name, also the last segment of its SPIFFE ID ({@code cert-authority}). */
    public String serverName() {
        return serverName;
    }

    /** Its key in endpoints.json and in {@code --<key>-server}. */
    public String key() {
        return key;
    }

    /** The environment variable naming its address, {@code MESHID_CA_SERVER}. */
    public String envVariable() {
        return "MESHID_" + key.toUpperCase(Locale.ROOT) + "_SERVER";
    }

    /** The SPIFFE ID the server must present in {@code domain}: {@code spiffe://<domain>/meshid/<name>}. */
    public SpiffeId spiffeId(TrustDomain domain) {
        return SpiffeId.of(domain, "/meshid/" + serverName);
    }
}
