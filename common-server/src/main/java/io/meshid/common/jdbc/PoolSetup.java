package io.meshid.common.jdbc;

import io.micronaut.configuration.jdbc.hikari.DatasourceConfiguration;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;
import java.util.UUID;

/**
 * What every pool of the servers gets before Hikari builds it (the datasource settings themselves
 * are in {@code meshid-defaults.yml}):
 * <ul>
 *   <li><b>Every connection is checked before it is lent.</b> Hikari lends a connection used
 *       less than {@code com.zaxxer.hikari.aliveBypassWindowMs} (500 ms) ago without checking it,
 *       so a connection PostgreSQL killed while it sat idle ({@code pg_terminate_backend}, a
 *       failover) failed the next caller, who had sent nothing on it yet. With the property at
 *       {@code -1} (set here unless the operator set it) each borrow costs one round trip (an
 *       empty query, 50–80 µs on loopback), and a dead connection is replaced instead of lent;
 *       only the statements running when the kill came fail. A system property, read by each
 *       pool when it is built: it applies to every pool of the JVM.</li>
 *   <li><b>Its driver knows which pool it connects for</b> ({@link ReconnectingDriver#POOL_PROPERTY}),
 *       so that an attempt still waiting for a lost database stops when its pool is closed
 *       ({@link DatabaseRequirements} tells the driver).</li>
 * </ul>
 */
@Singleton
final class PoolSetup implements BeanCreatedEventListener<DatasourceConfiguration> {

    static final String ALIVE_BYPASS = "com.zaxxer.hikari.aliveBypassWindowMs";
    static final String CHECK_EVERY_BORROW = "-1";

    @Override
    public DatasourceConfiguration onCreated(BeanCreatedEvent<DatasourceConfiguration> event) {
        DatasourceConfiguration config = event.getBean();
        synchronized (PoolSetup.class) {
            if (System.getProperty(ALIVE_BYPASS) == null) {
                System.setProperty(ALIVE_BYPASS, CHECK_EVERY_BORROW);
            }
        }
        if (ReconnectingDriver.class.getName().equals(config.getConfiguredDriverClassName())
                && config.getDataSourceProperties().getProperty(ReconnectingDriver.POOL_PROPERTY) == null) {
            config.addDataSourceProperty(ReconnectingDriver.POOL_PROPERTY, config.getName() + "-" + UUID.randomUUID());
        }
        return config;
    }
}
