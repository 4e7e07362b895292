package io.meshid.common.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** A class marked {@link RequiresPostgres} runs when PostgreSQL answers, and can use it. */
@RequiresPostgres
class RequiresPostgresTest {

    @Test
    void postgres_acceptsTheTestUser() throws Exception {
        try (Connection c = DriverManager.getConnection(ExternalServices.postgresUrl(), ExternalServices.postgresUser(), "");
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT 1")) {
            assertThat(r.next()).isTrue();
            assertThat(r.getInt(1)).isEqualTo(1);
        }
    }

    @Test
    void probe_findsRunningPostgres() {
        assertThat(ExternalService.POSTGRES.isReachable()).isTrue();
    }
}
