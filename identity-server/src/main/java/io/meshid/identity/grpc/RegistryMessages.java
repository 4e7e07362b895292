package io.meshid.identity.grpc;

import com.google.protobuf.Timestamp;
import io.meshid.common.errors.MeshidException;
import io.meshid.common.spiffe.InvalidSpiffeIdException;
import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.identity.registry.RegistrationEntry;
import io.meshid.identity.registry.Selector;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Translations between the registry's values and RegistryService messages. Stateless. */
final class RegistryMessages {

    private RegistryMessages() {
    }

    static SpiffeId spiffeId(String field, String value) {
        try {
            return SpiffeId.parse(value);
        } catch (InvalidSpiffeIdException e) {
            throw new MeshidException.InvalidArgument(field + ": " + e.getMessage());
        }
    }

    static TrustDomain trustDomain(String value) {
        if (value.isEmpty()) {
            throw new MeshidException.InvalidArgument("trust_domain: empty (expected: the trust domain, such as prod.example.org)");
        }
        try {
            return TrustDomain.of(value);
        } catch (InvalidSpiffeIdException e) {
            throw new MeshidException.InvalidArgument("trust_domain: " + e.getMessage());
        }
    }

    static List<Selector> selectors(List<io.meshid.proto.identity.v1.Selector> wire) {
        return wire.stream().map(s -> new Selector(s.getType(), s.getValue())).toList();
    }

    static Optional<Duration> duration(boolean present, com.google.protobuf.Duration d) {
        return present ? Optional.of(Duration.ofSeconds(d.getSeconds(), d.getNanos())) : Optional.empty();
    }

    static io.meshid.proto.identity.v1.RegistrationEntry entry(RegistrationEntry e) {
        var b = io.meshid.proto.identity.v1.RegistrationEntry.newBuilder()
                .setId(e.id())
                .setSpiffeId(e.spiffeId().toString())
                .setX509SvidTtl(duration(e.x509SvidTtl()))
                .setJwtSvidTtl(duration(e.jwtSvidTtl()))
                .addAllDnsNames(e.dnsNames())
                .setAdmin(e.admin())
                .setCreatedAt(timestamp(e.createdAt()))
                .setCreatedBy(e.createdBy());
        e.selectors().forEach(s -> b.addSelectors(io.meshid.proto.identity.v1.Selector.newBuilder().setType(s.type()).setValue(s.value())));
        return b.build();
    }

    static com.google.protobuf.Duration duration(Duration d) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }

    static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }
}
