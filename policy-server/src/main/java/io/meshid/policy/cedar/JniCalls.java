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
 * did. Thread-safe.
 */
final class JniCalls {

    private static final MethodHandle CALL = lookUp();

    private JniCalls() {}

    /** True when cedar-java's JNI entry point was found (so that the short way is taken). */
    static boolean available() {
        return CALL != null;
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

    private static MethodHandle lookUp() {
        try {
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(BasicAuthorizationEngine.class, MethodHandles.lookup());
            return lookup.findStatic(BasicAuthorizationEngine.class, "callCedarJNI",
                    MethodType.methodType(String.class, String.class, String.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
