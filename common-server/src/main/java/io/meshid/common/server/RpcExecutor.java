package io.meshid.common.server;

import java.util.concurrent.Executor;

/**
 * Runs the calls that do not run inline on the event loop ({@link InlineCalls}): the ones that
 * may block on a database, Redis or another server. The default ({@link RpcExecutorFactory}) gives
 * every call a virtual thread; no server replaces it today (a bean that {@code @Replaces} it would). An
 * executor must be thread-safe.
 */
@FunctionalInterface
public interface RpcExecutor extends Executor {
}
