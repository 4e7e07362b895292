/** Per-request decisions: policy-server's Check behind a bounded cache, deny when unknown. */
package io.meshid.sidecar.decision;
