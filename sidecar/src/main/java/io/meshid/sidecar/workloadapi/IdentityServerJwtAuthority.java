package io.meshid.sidecar.workloadapi;

import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.proto.identity.v1.GetJwksRequest;
import io.meshid.proto.identity.v1.GetJwksResponse;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.MintJwtSvidRequest;
import io.meshid.proto.identity.v1.MintJwtSvidResponse;
import io.meshid.proto.identity.v1.TokenType;
import io.meshid.proto.identity.v1.ValidateTokenRequest;
import io.meshid.proto.identity.v1.ValidateTokenResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link JwtAuthority} backed by identity-server over mutual TLS with the sidecar's SVID
 * ({@code AttestedSvidSource.identityServer()}): {@code MintJwtSvid} for the caller's own ID,
 * {@code ValidateToken} (JWT-SVIDs only, revocation included), and the trust domain's JWK Set from
 * {@code GetJwks}, fetched again at its refresh hint (at least every 30 s, at most every 5 min;
 * every 5 s while fetching fails) and announced to listeners when it changes. Thread-safe;
 * {@link #close()} stops the refresh.
 */
public final class IdentityServerJwtAuthority implements JwtAuthority, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IdentityServerJwtAuthority.class);
    private static final long DEADLINE_SECONDS = 10;

    private final Channel identityServer;
    private final TrustDomain trustDomain;
    private final ScheduledExecutorService scheduler;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile Map<String, byte[]> bundles = Map.of();
    private volatile String jwksJson = "";

    /** Starts fetching {@code trustDomain}'s JWK Set over {@code identityServer}. */
    public IdentityServerJwtAuthority(Channel identityServer, TrustDomain trustDomain) {
        this.identityServer = identityServer;
        this.trustDomain = trustDomain;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meshid-sidecar-jwks");
            t.setDaemon(true);
            return t;
        });
        scheduler.execute(this::refresh);
    }

    private IdentityServiceGrpc.IdentityServiceBlockingStub stub() {
        return IdentityServiceGrpc.newBlockingStub(identityServer).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public JwtSvid mint(List<String> audiences) {
        MintJwtSvidResponse reply = stub().mintJwtSvid(MintJwtSvidRequest.newBuilder().addAllAudience(audiences).build());
        return new JwtSvid(SpiffeId.parse(reply.getSpiffeId()), reply.getToken());
    }

    @Override
    public Map<String, byte[]> bundles() {
        return bundles;
    }

    @Override
    public void addListener(Runnable onChange) {
        listeners.add(onChange);
    }

    @Override
    public Validated validate(String token, String audience) {
        ValidateTokenResponse reply = stub().validateToken(ValidateTokenRequest.newBuilder().setToken(token).setAudience(audience)
                .addExpectedTypes(TokenType.TOKEN_TYPE_JWT_SVID).build());
        if (!reply.getValid()) {
            throw new InvalidTokenException("the JWT-SVID is not valid: " + reply.getReason() + " (" + reply.getReasonDetail() + ")");
        }
        return new Validated(SpiffeId.parse(reply.getSubject()), reply.getClaims());
    }

    private void refresh() {
        Duration next;
        try {
            GetJwksResponse reply = stub().getJwks(GetJwksRequest.newBuilder().setTrustDomain(trustDomain.name()).build());
            Duration hint = reply.hasRefreshHint() ? Duration.ofSeconds(reply.getRefreshHint().getSeconds(), reply.getRefreshHint().getNanos()) : Duration.ofMinutes(5);
            next = clamp(hint);
            if (!reply.getJwksJson().equals(jwksJson)) {
                jwksJson = reply.getJwksJson();
                bundles = Map.of(trustDomain.idString(), reply.getJwksJson().getBytes(StandardCharsets.UTF_8));
                LOG.info("JWT bundle of {} now holds keys {}", trustDomain.name(), reply.getKeyIdsList());
                for (Runnable listener : listeners) {
                    try {
                        listener.run();
                    } catch (RuntimeException e) {
                        LOG.warn("a JWT bundle listener failed", e);
                    }
                }
            }
        } catch (StatusRuntimeException e) {
            next = Duration.ofSeconds(5);
            LOG.warn("fetching the JWT bundle of {} failed ({}); retrying in {}", trustDomain.name(), e.getStatus(), next);
        }
        if (!scheduler.isShutdown()) {
            scheduler.schedule(this::refresh, next.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Fetches the JWK Set now (after a key rotation was announced, say); returns at once. */
    public void refreshSoon() {
        scheduler.execute(this::refresh);
    }

    private static Duration clamp(Duration hint) {
        Duration min = Duration.ofSeconds(30);
        Duration max = Duration.ofMinutes(5);
        return hint.compareTo(min) < 0 ? min : hint.compareTo(max) > 0 ? max : hint;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
