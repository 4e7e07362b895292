package io.meshid.identity.grpc;

import io.grpc.stub.StreamObserver;
import io.meshid.common.authz.CallerClass;
import io.meshid.common.authz.Grant;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.identity.registry.EntryParams;
import io.meshid.identity.registry.EntryQuery;
import io.meshid.identity.registry.JoinToken;
import io.meshid.identity.registry.Registry;
import io.meshid.identity.registry.RegistryChanges;
import io.meshid.identity.oauth.OAuthClients;
import io.meshid.proto.identity.v1.CreateOAuthClientRequest;
import io.meshid.proto.identity.v1.CreateOAuthClientResponse;
import io.meshid.proto.identity.v1.ListOAuthClientsRequest;
import io.meshid.proto.identity.v1.ListOAuthClientsResponse;
import io.meshid.proto.identity.v1.GetOAuthClientRequest;
import io.meshid.proto.identity.v1.GetOAuthClientResponse;
import io.meshid.proto.identity.v1.UpdateOAuthClientRequest;
import io.meshid.proto.identity.v1.UpdateOAuthClientResponse;
import io.meshid.proto.identity.v1.RotateOAuthClientSecretRequest;
import io.meshid.proto.identity.v1.RotateOAuthClientSecretResponse;
import io.meshid.proto.identity.v1.DeleteOAuthClientRequest;
import io.meshid.proto.identity.v1.DeleteOAuthClientResponse;
import io.meshid.proto.identity.v1.OAuthClientAuthMethod;
import io.meshid.identity.revocation.SvidRevocation;
import io.meshid.identity.trustdomain.TrustDomains;
import io.meshid.proto.identity.v1.CreateTrustDomainRequest;
import io.meshid.proto.identity.v1.CreateTrustDomainResponse;
import io.meshid.proto.identity.v1.RevokeX509SvidRequest;
import io.meshid.proto.identity.v1.RevokeX509SvidResponse;
import io.meshid.proto.identity.v1.CreateEntryRequest;
import io.meshid.proto.identity.v1.CreateEntryResponse;
import io.meshid.proto.identity.v1.CreateJoinTokenRequest;
import io.meshid.proto.identity.v1.CreateJoinTokenResponse;
import io.meshid.proto.identity.v1.DeleteEntryRequest;
import io.meshid.proto.identity.v1.DeleteEntryResponse;
import io.meshid.proto.identity.v1.GetEntryRequest;
import io.meshid.proto.identity.v1.GetEntryResponse;
import io.meshid.proto.identity.v1.ListEntriesRequest;
import io.meshid.proto.identity.v1.ListEntriesResponse;
import io.meshid.proto.identity.v1.ListTrustDomainsRequest;
import io.meshid.proto.identity.v1.ListTrustDomainsResponse;
import io.meshid.proto.identity.v1.RegistryServiceGrpc.RegistryServiceImplBase;
import jakarta.inject.Singleton;
import java.util.Optional;

/**
 * The {@code meshid.identity.v1.RegistryService} gRPC service (admins only, by
 * {@link IdentityAuthorization}'s table): registration entries and join tokens, each scoped to the
 * caller's trust domain. An entry of another trust domain answers {@code NOT_FOUND}, exactly as a
 * missing one, so ids do not leak across tenants. CreateTrustDomain takes an admin of the system
 * trust domain; RevokeX509Svid an admin of the certificate's trust domain. Each rpc's logic is in
 * its domain service; changes are audited there ({@link RegistryChanges}).
 */
@Singleton
final class RegistryServiceEndpoint extends RegistryServiceImplBase {

    private final Registry registry;
    private final RegistryChanges changes;
    private final TrustDomains trustDomains;
    private final SvidRevocation revocation;
    private final OAuthClients clients;

    RegistryServiceEndpoint(Registry registry, RegistryChanges changes, TrustDomains trustDomains, SvidRevocation revocation,
            OAuthClients clients) {
        this.clients = clients;
        this.registry = registry;
        this.changes = changes;
        this.trustDomains = trustDomains;
        this.revocation = revocation;
    }

    /** The admin the table let in ({@link IdentityAuthorization}); it acts in its own trust domain. */
    private static SpiffeId admin() {
        return Grant.current().caller();
    }

    @Override
    public void createTrustDomain(CreateTrustDomainRequest request, StreamObserver<CreateTrustDomainResponse> response) {
        if (request.getName().isEmpty()) {
            throw new MeshidException.InvalidArgument("name: empty (expected: a trust domain name, such as tenant.example.org)");
        }
        TrustDomain domain = RegistryMessages.trustDomain(request.getName());
        SpiffeId admin = admin();
        var created = trustDomains.create(domain, request.getDescription(), admin);
        response.onNext(CreateTrustDomainResponse.newBuilder().setTrustDomain(io.meshid.proto.identity.v1.TrustDomain.newBuilder()
                .setName(created.name().name()).setDescription(created.description())
                .setCreatedAt(RegistryMessages.timestamp(created.createdAt())).setCreatedBy(created.createdBy())).build());
        response.onCompleted();
    }

    @Override
    public void listTrustDomains(ListTrustDomainsRequest request, StreamObserver<ListTrustDomainsResponse> response) {
        Grant grant = Grant.current();
        // A system admin sees every trust domain; any other admin only its own, so tenants do not learn of each other.
        Optional<TrustDomain> only = grant.has(CallerClass.SYSTEM_ADMIN) ? Optional.empty() : Optional.of(grant.caller().trustDomain());
        var page = registry.trustDomains(only, request.getPageSize(), Optional.of(request.getPageToken()).filter(t -> !t.isEmpty()));
        ListTrustDomainsResponse.Builder reply = ListTrustDomainsResponse.newBuilder();
        page.trustDomains().forEach(d -> reply.addTrustDomains(io.meshid.proto.identity.v1.TrustDomain.newBuilder()
                .setName(d.name().name()).setDescription(d.description())
                .setCreatedAt(RegistryMessages.timestamp(d.createdAt())).setCreatedBy(d.createdBy())));
        page.nextPageToken().ifPresent(reply::setNextPageToken);
        response.onNext(reply.build());
        response.onCompleted();
    }

    @Override
    public void revokeX509Svid(RevokeX509SvidRequest request, StreamObserver<RevokeX509SvidResponse> response) {
        TrustDomain domain = RegistryMessages.trustDomain(request.getTrustDomain());
        SpiffeId admin = Grant.current().requireMemberOf(domain, "revoke X.509-SVIDs");
        var revoked = revocation.revoke(new SvidRevocation.Params(domain, request.getSerialNumber(), request.getReason(),
                request.getComment(), admin));
        response.onNext(RevokeX509SvidResponse.newBuilder().setSpiffeId(revoked.certificate().getSpiffeId())
                .setRevokedAt(revoked.certificate().getRevokedAt()).setNotAfter(revoked.certificate().getNotAfter())
                .setBundleSequenceNumber(revoked.bundleSequence()).build());
        response.onCompleted();
    }

    @Override
    public void createEntry(CreateEntryRequest request, StreamObserver<CreateEntryResponse> response) {
        SpiffeId id = RegistryMessages.spiffeId("spiffe_id", request.getSpiffeId());
        SpiffeId admin = Grant.current().requireMemberOf(id.trustDomain(), "create entries");
        var entry = changes.createEntry(new EntryParams(id, RegistryMessages.selectors(request.getSelectorsList()),
                RegistryMessages.duration(request.hasX509SvidTtl(), request.getX509SvidTtl()),
                RegistryMessages.duration(request.hasJwtSvidTtl(), request.getJwtSvidTtl()),
                request.getDnsNamesList(), request.getAdmin(), admin.toString()));
        response.onNext(CreateEntryResponse.newBuilder().setEntry(RegistryMessages.entry(entry)).build());
        response.onCompleted();
    }

    @Override
    public void getEntry(GetEntryRequest request, StreamObserver<GetEntryResponse> response) {
        SpiffeId admin = admin();
        var entry = registry.entry(admin.trustDomain(), request.getId()).orElseThrow(() -> notFound(request.getId()));
        response.onNext(GetEntryResponse.newBuilder().setEntry(RegistryMessages.entry(entry)).build());
        response.onCompleted();
    }

    @Override
    public void listEntries(ListEntriesRequest request, StreamObserver<ListEntriesResponse> response) {
        TrustDomain domain = RegistryMessages.trustDomain(request.getTrustDomain());
        Grant.current().requireMemberOf(domain, "list entries");
        Optional<String> spiffeId = request.getSpiffeId().isEmpty() ? Optional.empty()
                : Optional.of(RegistryMessages.spiffeId("spiffe_id", request.getSpiffeId()).toString());
        String prefix = request.getPathPrefix();
        if (!prefix.isEmpty() && (!prefix.startsWith("/") || prefix.length() > 2048)) {
            throw new MeshidException.InvalidArgument("path_prefix: '" + (prefix.length() > 80 ? prefix.substring(0, 80) + "…" : prefix)
                    + "' (expected: a path starting with '/', at most 2048 characters)");
        }
        var page = registry.list(new EntryQuery(domain, spiffeId, Optional.of(prefix).filter(p -> !p.isEmpty()),
                RegistryMessages.selectors(request.getSelectorsList()),
                request.hasAdmin() ? Optional.of(request.getAdmin()) : Optional.empty(),
                request.getPageSize(), Optional.of(request.getPageToken()).filter(t -> !t.isEmpty())));
        ListEntriesResponse.Builder reply = ListEntriesResponse.newBuilder();
        page.entries().forEach(e -> reply.addEntries(RegistryMessages.entry(e)));
        page.nextPageToken().ifPresent(reply::setNextPageToken);
        response.onNext(reply.build());
        response.onCompleted();
    }

    @Override
    public void deleteEntry(DeleteEntryRequest request, StreamObserver<DeleteEntryResponse> response) {
        SpiffeId admin = admin();
        if (!changes.deleteEntry(admin.trustDomain(), request.getId(), admin)) {
            throw notFound(request.getId());
        }
        response.onNext(DeleteEntryResponse.getDefaultInstance());
        response.onCompleted();
    }

    @Override
    public void createJoinToken(CreateJoinTokenRequest request, StreamObserver<CreateJoinTokenResponse> response) {
        SpiffeId admin = admin();
        JoinToken token = changes.createJoinToken(admin.trustDomain(), request.getEntryId(),
                RegistryMessages.duration(request.hasTtl(), request.getTtl()), admin);
        response.onNext(CreateJoinTokenResponse.newBuilder().setToken(token.secret()).setEntryId(token.entryId())
                .setExpiresAt(RegistryMessages.timestamp(token.expiresAt())).build());
        response.onCompleted();
    }

    @Override
    public void createOAuthClient(CreateOAuthClientRequest request, StreamObserver<CreateOAuthClientResponse> response) {
        TrustDomain domain = RegistryMessages.trustDomain(request.getTrustDomain());
        SpiffeId admin = Grant.current().requireMemberOf(domain, "create OAuth clients");
        var created = clients.create(OAuthClientMessages.params(domain, request.getClientId(), request.getAuthMethod(),
                request.getGrantTypesList(), request.getScopesList(), request.getAudiencesList(), request.getJwksJson(),
                request.getTlsClientAuthSpiffeId(), RegistryMessages.duration(request.hasAccessTokenTtl(), request.getAccessTokenTtl())),
                admin);
        var reply = CreateOAuthClientResponse.newBuilder().setClient(OAuthClientMessages.client(created.client()));
        created.secret().ifPresent(reply::setClientSecret);
        response.onNext(reply.build());
        response.onCompleted();
    }

    @Override
    public void listOAuthClients(ListOAuthClientsRequest request, StreamObserver<ListOAuthClientsResponse> response) {
        TrustDomain domain = RegistryMessages.trustDomain(request.getTrustDomain());
        Grant.current().requireMemberOf(domain, "list OAuth clients");
        var page = clients.list(domain, request.getPageSize(), Optional.of(request.getPageToken()).filter(t -> !t.isEmpty()));
        var reply = ListOAuthClientsResponse.newBuilder();
        page.clients().forEach(c -> reply.addClients(OAuthClientMessages.client(c)));
        page.nextPageToken().ifPresent(reply::setNextPageToken);
        response.onNext(reply.build());
        response.onCompleted();
    }

    @Override
    public void getOAuthClient(GetOAuthClientRequest request, StreamObserver<GetOAuthClientResponse> response) {
        TrustDomain domain = RegistryMessages.trustDomain(request.getTrustDomain());
        Grant.current().requireMemberOf(domain, "read OAuth clients");
        response.onNext(GetOAuthClientResponse.newBuilder()
                .setClient(OAuthClientMessages.client(clients.get(domain, request.getClientId()))).build());
        response.onCompleted();
    }

    @Override
    public void updateOAuthClient(UpdateOAuthClientRequest request, StreamObserver<UpdateOAuthClientResponse> response) {
        TrustDomain domain = RegistryMessages.trustDomain(request.getTrustDomain());
        SpiffeId admin = Grant.current().requireMemberOf(domain, "update OAuth clients");
        var method = request.getAuthMethod() == OAuthClientAuthMethod.OAUTH_CLIENT_AUTH_METHOD_UNSPECIFIED
                ? OAuthClientMessages.method(clients.get(domain, request.getClientId()).authMethod()) : request.getAuthMethod();
        var updated = clients.update(OAuthClientMessages.params(domain, request.getClientId(), method, request.getGrantTypesList(),
                request.getScopesList(), request.getAudiencesList(), request.getJwksJson(), request.getTlsClientAuthSpiffeId(),
                RegistryMessages.duration(request.hasAccessTokenTtl(), request.getAccessTokenTtl())), admin);
        response.onNext(UpdateOAuthClientResponse.newBuilder().setClient(OAuthClientMessages.client(updated)).build());
        response.onCompleted();
    }

    @Override
    public void rotateOAuthClientSecret(RotateOAuthClientSecretRequest request,
            StreamObserver<RotateOAuthClientSecretResponse> response) {
        TrustDomain domain = RegistryMessages.trustDomain(request.getTrustDomain());
        SpiffeId admin = Grant.current().requireMemberOf(domain, "rotate OAuth client secrets");
        var rotated = clients.rotateSecret(domain, request.getClientId(),
                RegistryMessages.duration(request.hasOverlap(), request.getOverlap()), admin);
        response.onNext(RotateOAuthClientSecretResponse.newBuilder().setClient(OAuthClientMessages.client(rotated.client()))
                .setClientSecret(rotated.secret().orElseThrow()).build());
        response.onCompleted();
    }

    @Override
    public void deleteOAuthClient(DeleteOAuthClientRequest request, StreamObserver<DeleteOAuthClientResponse> response) {
        TrustDomain domain = RegistryMessages.trustDomain(request.getTrustDomain());
        SpiffeId admin = Grant.current().requireMemberOf(domain, "delete OAuth clients");
        if (!clients.delete(domain, request.getClientId(), admin)) {
            throw new MeshidException.NotFound("client " + (request.getClientId().length() > 40
                    ? request.getClientId().substring(0, 40) + "…" : request.getClientId()) + ": not found in " + domain);
        }
        response.onNext(DeleteOAuthClientResponse.getDefaultInstance());
        response.onCompleted();
    }

    private static MeshidException notFound(String id) {
        return new MeshidException.NotFound("entry " + (id.length() > 40 ? id.substring(0, 40) + "…" : id)
                + ": not found in a trust domain you administer");
    }
}
