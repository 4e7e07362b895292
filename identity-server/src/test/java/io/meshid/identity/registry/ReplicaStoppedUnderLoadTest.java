package io.meshid.identity.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.spiffe.SpiffeId;
import io.meshid.common.spiffe.TrustDomain;
import io.meshid.common.testing.ExternalServices;
import io.meshid.common.testing.RequiresPostgres;
import io.meshid.common.testing.RequiresRedis;
import io.meshid.common.testing.TestDatabase;
import io.micronaut.context.ApplicationContext;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One of two identity-server replicas (two application contexts on one PostgreSQL and one Redis)
 * is shut down the way SIGTERM shuts it down (the context closes: pools drain, the audit queue is
 * written) while both take audited registry changes, and is then started again. Promises: no
 * acknowledged change is lost (every entry whose creation returned is in the registry, with its
 * audit event); the replica that stays never refuses; the restarted one serves again.
 */
@RequiresPostgres
@RequiresRedis
@Timeout(90)
class ReplicaStoppedUnderLoadTest {

    private static final String DOMAIN = "stop.test";

    @Test
    void stoppingOneReplicaUnderLoad_losesNoAcknowledgedChange_andTheOtherKeepsServing() throws Exception {
        try (TestDatabase database = TestDatabase.postgres()) {
            Map<String, Object> p = new HashMap<>(database.properties("common", "identity-server"));
            p.put("meshid.trust-domain", DOMAIN);
            p.put("meshid.redis.uri", ExternalServices.redisUri());
            try (ApplicationContext stays = ApplicationContext.run(p)) {
                AtomicReference<ApplicationContext> stopped = new AtomicReference<>(ApplicationContext.run(p));
                Set<String> acknowledged = ConcurrentHashMap.newKeySet();
                AtomicInteger refusedByStaying = new AtomicInteger();
                AtomicInteger refusedByStopping = new AtomicInteger();
                AtomicBoolean running = new AtomicBoolean(true);
                ExecutorService pool = Executors.newFixedThreadPool(4);
                List<Future<?>> load = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int thread = t;
                    load.add(pool.submit(() -> {
                        for (int i = 0; running.get(); i++) {
                            boolean toStaying = (i + thread) % 2 == 0;
                            String path = "/ns/load/sa/t" + thread + "-" + i;
                            try {
                                RegistryChanges changes = (toStaying ? stays : stopped.get()).getBean(RegistryChanges.class);
                                changes.createEntry(new EntryParams(SpiffeId.parse("spiffe://" + DOMAIN + path), List.of(),
                                        Optional.empty(), Optional.empty(), List.of(), false, "spiffe://" + DOMAIN + "/meshid/admin"));
                                acknowledged.add(path);
                            } catch (RuntimeException e) {
                                // The replica going away may refuse (UNAVAILABLE, or its context is closed): fail closed, never lost.
                                (toStaying ? refusedByStaying : refusedByStopping).incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                Thread.sleep(1_000);
                stopped.get().close();
                Thread.sleep(500);
                stopped.set(ApplicationContext.run(p));
                Thread.sleep(1_000);
                running.set(false);
                for (Future<?> f : load) {
                    f.get(30, TimeUnit.SECONDS);
                }
                pool.shutdown();

                Registry restarted = stopped.get().getBean(Registry.class);
                assertThat(restarted.trustDomainExists(TrustDomain.of(DOMAIN))).isTrue();
                assertThat(refusedByStaying).as("refusals by the replica that stayed").hasValue(0);
                assertThat(acknowledged).hasSizeGreaterThan(10);
                try (Connection c = DriverManager.getConnection(database.url(), ExternalServices.postgresUser(), "");
                        PreparedStatement entry = c.prepareStatement("SELECT COUNT(*) FROM id_entry WHERE spiffe_id = ?");
                        PreparedStatement audit = c.prepareStatement("SELECT COUNT(*) FROM audit_event WHERE action = ? "
                                + "AND target = ? AND outcome = 'SUCCESS'")) {
                    for (String path : acknowledged) {
                        String id = "spiffe://" + DOMAIN + path;
                        entry.setString(1, id);
                        audit.setString(1, RegistryChanges.CREATE_ENTRY);
                        audit.setString(2, id);
                        assertThat(count(entry)).as("entry of acknowledged " + path).isOne();
                        assertThat(count(audit)).as("audit event of acknowledged " + path).isOne();
                    }
                }
                stopped.get().close();
            }
        }
    }

    private static long count(PreparedStatement ps) throws Exception {
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
