package io.meshid.common.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that runs a program no one here wrote (OpenSSL, say) to judge meshid's
 * output. When the program is not on the PATH the class is skipped with the install hint, except
 * when the environment variable {@code CI} is {@code true}: then it fails, so CI never passes
 * without the check.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(CommandExtension.class)
public @interface RequiresCommand {

    /** The program's name, looked up on the PATH. */
    String value();

    /** How to install it, for the skip message. */
    String install();
}
