/** Readiness from the dependencies' last known state: probes in the background, answers at once. */
package io.meshid.common.health;
