package io.meshid.common.server;

import io.micronaut.context.BeanContext;
import io.micronaut.context.annotation.ConfigurationReader;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Property;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.env.Environment;
import io.micronaut.context.env.PropertySource;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.AnnotationMetadata;
import io.micronaut.core.io.service.SoftServiceLoader;
import io.micronaut.core.type.Argument;
import io.micronaut.inject.BeanDefinition;
import io.micronaut.inject.BeanDefinitionReference;
import io.micronaut.inject.MethodInjectionPoint;
import jakarta.annotation.PostConstruct;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stops start-up when a {@code meshid.*} key is set that no part of this server reads: a misspelt
 * key ({@code meshid.identity.join-token-tll}) would otherwise be silently ignored and leave the
 * default in force. The message is one line naming the key, where it came from, and the closest
 * known key when there is one.
 *
 * <p>The known keys are read from the beans themselves, so a new setting needs no list kept by
 * hand: every property of a {@code @ConfigurationProperties} or {@code @EachProperty} class under
 * {@code meshid} (a {@code *} segment standing for the name of an {@code @EachProperty} entry),
 * every {@code @Value("${meshid…}")} or {@code @Property(name = "meshid…")} constructor argument,
 * every {@code ${meshid…}} placeholder in a bean method's annotations ({@code @Scheduled}), and
 * every {@code @Requires(property = "meshid…")}; plus {@link #REFERENCED_ONLY}, the keys
 * that only {@code meshid-defaults.yml} refers to.
 *
 * <p>Every property source is checked: configuration files, system properties and environment
 * variables ({@code MESHID_*}, compared in Micronaut's environment form: upper case, {@code .}
 * and {@code -} as {@code _}). Not configuration, and so not checked: {@link #ENV_NOT_CONFIG}
 * (read by logback before Micronaut starts), and the variables Kubernetes makes for every service
 * of the namespace ({@code MESHID_…_SERVICE_HOST}, {@code MESHID_…_PORT_7002_TCP}, …; a Service
 * named {@code meshid…} would otherwise stop every pod). Keys of another meshid server
 * ({@code meshid.ca.*} on identity-server, say) are left to that server, so one file or set of
 * variables can serve all of them; {@code meshid.test.*} is the build's test harness (the addresses
 * of PostgreSQL and Redis for tests), never a setting. Runs once at start-up; holds nothing
 * afterwards.
 */
@Context
final class UnknownConfigKeys {

    /** Keys only referred to from meshid-defaults.yml ({@code ${meshid.database.url}}), not bound by a bean. */
    static final Set<String> REFERENCED_ONLY = Set.of("meshid.database.url", "meshid.database.username",
            "meshid.database.password");

    /** Environment variables with the MESHID_ prefix that are not configuration keys. */
    static final Set<String> ENV_NOT_CONFIG = Set.of("MESHID_LOG_FORMAT", "MESHID_LOG_LEVEL");

    /** The build's test harness passes its service addresses as system properties under this prefix; never a setting. */
    static final String TEST_HARNESS = "meshid.test.";

    /** The meshid servers' own prefixes: a key under one whose server is not this one is not checked here. */
    private static final List<String> SERVER_PREFIXES = List.of("meshid.ca.", "meshid.identity.", "meshid.policy.");
    private static final Pattern KUBERNETES_SERVICE_LINK = Pattern.compile(
            "MESHID(_[A-Z0-9]+)*_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_\\d+_(TCP|UDP|SCTP)(_PROTO|_PORT|_ADDR)?)?)");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(meshid\\.[a-z0-9.*\\-]+)(:[^}]*)?}");
    private static final Pattern INDEX = Pattern.compile("\\[\\d+]");

    private final Environment environment;
    private final BeanContext beans;

    UnknownConfigKeys(Environment environment, BeanContext beans) {
        this.environment = environment;
        this.beans = beans;
    }

    @PostConstruct
    void check() {
        Set<String> known = knownKeys(beans);
        List<Pattern> patterns = known.stream().map(UnknownConfigKeys::pattern).toList();
        List<Pattern> envPatterns = known.stream().map(UnknownConfigKeys::envPattern).toList();
        List<String> ownServers = SERVER_PREFIXES.stream().filter(p -> known.stream().anyMatch(k -> k.startsWith(p))).toList();
        List<PropertySource> sources = new ArrayList<>(environment.getPropertySources());
        sources.sort(Comparator.comparing(PropertySource::getName));
        for (PropertySource source : sources) {
            boolean env = source.getConvention() == PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE;
            for (String raw : source) {
                if (env) {
                    checkEnvironmentVariable(raw, envPatterns, known, ownServers, source);
                } else {
                    checkKey(raw, patterns, known, ownServers, source);
                }
            }
        }
    }

    private static void checkKey(String raw, List<Pattern> patterns, Set<String> known, List<String> ownServers, PropertySource source) {
        String key = INDEX.matcher(raw).replaceAll("");
        if (!key.equals("meshid") && !key.startsWith("meshid.") || key.startsWith(TEST_HARNESS) || otherServer(key, ownServers)) {
            return;
        }
        if (patterns.stream().noneMatch(p -> p.matcher(key).matches())) {
            throw unknown(raw, source, closest(key, known));
        }
    }

    private static void checkEnvironmentVariable(String name, List<Pattern> envPatterns, Set<String> known, List<String> ownServers,
            PropertySource source) {
        if (!name.startsWith("MESHID_") || ENV_NOT_CONFIG.contains(name) || KUBERNETES_SERVICE_LINK.matcher(name).matches()) {
            return;
        }
        String asKey = name.toLowerCase(Locale.ROOT).replace('_', '.');
        if (ownServers.size() < SERVER_PREFIXES.size() && SERVER_PREFIXES.stream().filter(p -> !ownServers.contains(p))
                .anyMatch(p -> asKey.startsWith(p))) {
            return;
        }
        if (envPatterns.stream().noneMatch(p -> p.matcher(name).matches())) {
            Optional<String> near = closest(name, known.stream().map(UnknownConfigKeys::envForm)
                    .collect(java.util.stream.Collectors.toSet()));
            throw unknown(name, source, near);
        }
    }

    private static boolean otherServer(String key, List<String> ownServers) {
        return SERVER_PREFIXES.stream().anyMatch(p -> key.startsWith(p) && !ownServers.contains(p));
    }

    private static ConfigurationException unknown(String key, PropertySource source, Optional<String> near) {
        return new ConfigurationException(key + ": not a meshid setting (from " + source.getName() + "; expected: "
                + near.map(n -> "did you mean " + n + "? ").orElse("") + "the keys in docs/operations.md)");
    }

    /** Every meshid key this server's beans read, {@code *} for an {@code @EachProperty} name, {@code .**} for a map. */
    static Set<String> knownKeys(BeanContext beans) {
        Set<String> keys = new TreeSet<>(REFERENCED_ONLY);
        for (BeanDefinition<?> d : allDefinitions(beans)) {
            if (d.hasStereotype(ConfigurationReader.class)) {
                for (MethodInjectionPoint<?, ?> m : d.getInjectedMethods()) {
                    propertyName(m.getAnnotationMetadata()).ifPresent(name -> {
                        Argument<?>[] args = m.getArguments();
                        keys.add(args.length == 1 && Map.class.isAssignableFrom(args[0].getType()) ? name + ".**" : name);
                    });
                }
                d.getInjectedFields().forEach(f -> propertyName(f.getAnnotationMetadata()).ifPresent(keys::add));
            }
            for (Argument<?> a : d.getConstructor().getArguments()) {
                placeholders(a.getAnnotationMetadata(), keys);
                a.getAnnotationMetadata().stringValue(Property.class, "name").filter(n -> n.startsWith("meshid.")).ifPresent(keys::add);
            }
            d.getExecutableMethods().forEach(m -> placeholders(m.getAnnotationMetadata(), keys));
            d.getAnnotationValuesByType(Requires.class).forEach(r -> r.stringValue("property")
                    .filter(n -> n.startsWith("meshid.")).ifPresent(keys::add));
        }
        keys.removeIf(k -> !k.startsWith("meshid."));
        return keys;
    }

    /**
     * Every bean definition, disabled ones included: a key that disables its bean
     * ({@code meshid.ca.bundle-endpoint.enabled=false}) is known all the same.
     */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static List<BeanDefinition<?>> allDefinitions(BeanContext beans) {
        List<BeanDefinition<?>> all = new ArrayList<>();
        List<BeanDefinitionReference> references = new ArrayList<>();
        // The context's own list leaves out the beans its conditions disabled; the service files hold all.
        SoftServiceLoader.load(BeanDefinitionReference.class, UnknownConfigKeys.class.getClassLoader()).collectAll(references);
        for (BeanDefinitionReference<?> r : references) {
            try {
                if (r.isPresent()) {
                    all.add(r.load());
                }
            } catch (RuntimeException | LinkageError e) {
                // a bean whose classes are not on the classpath reads no key here
            }
        }
        return all;
    }

    private static Optional<String> propertyName(AnnotationMetadata metadata) {
        return metadata.stringValue(Property.class, "name").filter(n -> n.startsWith("meshid."));
    }

    /** The {@code ${meshid…}} placeholders in any annotation value: {@code @Value}, {@code @Scheduled(fixedDelay = …)}, … */
    private static void placeholders(AnnotationMetadata metadata, Set<String> keys) {
        for (String annotation : metadata.getAnnotationNames()) {
            for (Object value : metadata.getValues(annotation).values()) {
                Matcher m = PLACEHOLDER.matcher(String.valueOf(value));
                while (m.find()) {
                    keys.add(m.group(1));
                }
            }
        }
    }

    /** {@code a.*.b} matches one segment in place of {@code *}; {@code a.**} matches anything below {@code a}. */
    static Pattern pattern(String key) {
        if (key.endsWith(".**")) {
            return Pattern.compile(Pattern.quote(key.substring(0, key.length() - 3)) + "(\\..+)?");
        }
        return Pattern.compile(String.join("[^.]+", java.util.Arrays.stream(key.split("\\*", -1)).map(Pattern::quote).toList()));
    }

    /** The same in Micronaut's environment variable form: upper case, {@code .} and {@code -} as {@code _}. */
    static Pattern envPattern(String key) {
        String env = envForm(key);
        if (env.endsWith("_**")) {
            return Pattern.compile(Pattern.quote(env.substring(0, env.length() - 3)) + "(_[A-Z0-9_]+)?");
        }
        return Pattern.compile(String.join("[A-Z0-9_]+", java.util.Arrays.stream(env.split("\\*", -1)).map(Pattern::quote).toList()));
    }

    static String envForm(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The known key nearest to {@code key} by edit distance, if one is within a third of its length. */
    static Optional<String> closest(String key, Set<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(key, k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return bestDistance <= Math.max(2, key.length() / 3) ? Optional.ofNullable(best) : Optional.empty();
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
