package io.meshid.common.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshid.common.testing.ExternalServiceExtension.Decision;
import io.meshid.common.testing.ExternalServiceExtension.Outcome;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExternalServiceExtensionTest {

    private static ExternalServiceExtension extension(Map<String, String> environment, boolean reachable) {
        return new ExternalServiceExtension(environment::get, service -> reachable);
    }

    @Test
    void reachableService_runs() {
        Decision decision = extension(Map.of("CI", "true"), true).decide(ExternalService.REDIS);

        assertThat(decision.outcome()).isEqualTo(Outcome.RUN);
    }

    @Test
    void absentService_inCi_fails_sayingHowToStartIt() {
        Decision decision = extension(Map.of("CI", "true"), false).decide(ExternalService.REDIS);

        assertThat(decision.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(decision.reason())
                .startsWith("Redis is required in CI (CI=true) but 127.0.0.1:6379 is unreachable: start it with "
                        + "`redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379");
    }

    @Test
    void absentService_outsideCi_isSkipped_sayingHowToStartIt() {
        Decision decision = extension(Map.of(), false).decide(ExternalService.POSTGRES);

        assertThat(decision.outcome()).isEqualTo(Outcome.SKIP);
        assertThat(decision.reason())
                .startsWith("PostgreSQL at 127.0.0.1:5432 is unreachable, so these tests are skipped")
                .contains("`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`")
                .contains("-Dmeshid.test.postgres.url");
    }

    @Test
    void ciOtherThanTrue_isNotCi() {
        Decision decision = extension(Map.of("CI", "false"), false).decide(ExternalService.REDIS);

        assertThat(decision.outcome()).isEqualTo(Outcome.SKIP);
    }

    @Test
    void probe_runsOncePerServiceAndExtension() {
        int[] probes = {0};
        ExternalServiceExtension extension = new ExternalServiceExtension(name -> null, service -> {
            probes[0]++;
            return true;
        });

        extension.decide(ExternalService.REDIS);
        extension.decide(ExternalService.REDIS);

        assertThat(probes[0]).isEqualTo(1);
    }

    @Test
    void realProbe_onAClosedPort_findsNothing() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String saved = System.getProperty(ExternalServices.REDIS_URI_PROPERTY);
        System.setProperty(ExternalServices.REDIS_URI_PROPERTY, "redis://127.0.0.1:" + closedPort);
        try {
            assertThat(ExternalService.REDIS.address()).isEqualTo("127.0.0.1:" + closedPort);
            assertThat(ExternalService.REDIS.isReachable()).isFalse();
        } finally {
            if (saved == null) {
                System.clearProperty(ExternalServices.REDIS_URI_PROPERTY);
            } else {
                System.setProperty(ExternalServices.REDIS_URI_PROPERTY, saved);
            }
        }
    }
}
