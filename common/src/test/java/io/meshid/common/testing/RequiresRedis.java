package io.meshid.common.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that needs the Redis at {@link ExternalServices#redisUri()}. When that Redis
 * does not answer, the class is skipped with a reason that says how to start it, except when the
 * environment variable {@code CI} is {@code true}: then the class fails, so that CI never passes
 * by skipping what it is meant to check.
 */
@Documented
@Inherited
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(ExternalServiceExtension.class)
public @interface RequiresRedis {
}
