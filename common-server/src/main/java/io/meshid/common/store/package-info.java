/**
 * Fast state shared between the replicas of a meshid server: revocations, replay guards, rate
 * limits and notifications. {@link io.meshid.common.store.SharedStore} is the contract; Redis backs
 * it when {@code meshid.redis.uri} is set, an in-process map otherwise.
 */
package io.meshid.common.store;
