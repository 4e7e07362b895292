package io.meshid.policy.cedar;

import com.cedarpolicy.BasicAuthorizationEngine;
import com.cedarpolicy.CedarJson;
import com.cedarpolicy.model.AuthorizationResponse;
import com.cedarpolicy.model.policy.PolicySet;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Optional;

/**
 * The short way into cedar-java's native library for a natively cached policy set: the request
 * JSON comes from {@link RequestJson} (no cedar-java value objects, entity JSON memoized) and goes
 * to the JNI entry point that {@code BasicAuthorizationEngine.isAuthorized} itself calls; the
 * answer is read with cedar-java's own reader. Same operation, same native code, same answer as
 * {@code isAuthorized}, without its Jackson serialization of the request.
 *
 * <p>{@link #authorize} answers only successful evaluations: whenever it cannot write the request,
 * the set is not cached natively, the entry point is missing (another cedar-java version) or the
 * native side reports a failure (including a cached set it no longer knows), it returns
 * {@code null} and the caller asks {@code isAuthorized}, which handles those cases as it always
 * did.
 *
 * <p>{@link #uncache} frees a set's place in the native cache at once, through the private entry
 * point that the set's cleaner calls when it is garbage-collected (which for a long-lived set
 * may be never: see {@link PooledSlices#release}). Thread-safe.
 */
final class JniCalls {

    private static final MethodHandle CALL = lookUp("callCedarJNI", BasicAuthorizationEngine.class,
            MethodType.methodType(String.class, String.class, String.class));
    private static final MethodHandle REMOVE = lookUp("removeCachedPolicySetJni", PolicySet.class,
            MethodType.methodType(void.class, String.class));

    private JniCalls() {}

    /** True when cedar-java's JNI entry point was found (so that the short way is taken). */
    static boolean available() {
        return CALL != null;
    }

    /** True when the entry point that frees a cached set was found (so that {@link #uncache} frees it). */
    static boolean canUncache() {
        return REMOVE != null;
    }

    /**
     * Removes {@code policies} from the native cache, so that its place is free before the set is
     * garbage-collected (its cleaner then removes it again, which does nothing). The set must not
     * be evaluated afterwards: its cache key names a set Cedar no longer holds. False when it was
     * not cached or the entry point is missing (another cedar-java version): the place is then
     * freed when the set is collected, as before.
     */
    static boolean uncache(PolicySet policies) {
        Optional<String> id = policies.cacheKey();
        if (REMOVE == null || id.isEmpty()) {
            return false;
        }
        try {
            REMOVE.invokeExact(id.get());
            return true;
        } catch (Error e) {
            throw e;
        } catch (Throwable e) {
            return false;
        }
    }

    /** Cedar's successful answer on {@code request}, or null when the caller must ask cedar-java (see above). */
    static AuthorizationResponse authorize(DecisionRequest request, PolicySet policies) {
        if (CALL == null) {
            return null;
        }
        Optional<String> id = policies.cacheKey();
        if (id.isEmpty()) {
            return null;
        }
        String json = RequestJson.stateful(request, id.get());
        if (json == null) {
            return null;
        }
        try {
            String answer = (String) CALL.invokeExact(RequestJson.OPERATION, json);
            AuthorizationResponse response = CedarJson.objectReader().readValue(answer, AuthorizationResponse.class);
            return response.type == AuthorizationResponse.SuccessOrFailure.Success && response.success.isPresent()
                    ? response : null;
        } catch (IOException | RuntimeException e) {
            return null;
        } catch (Error e) {
            throw e;
        } catch (Throwable e) {
            return null;
        }
    }

    private static MethodHandle lookUp(String name, Class<?> owner, MethodType type) {
        try {
            return MethodHandles.privateLookupIn(owner, MethodHandles.lookup()).findStatic(owner, name, type);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
