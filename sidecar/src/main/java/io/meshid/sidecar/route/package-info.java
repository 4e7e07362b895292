/** Outbound routing: which target sidecar, with which SPIFFE ID, serves a service name. */
package io.meshid.sidecar.route;
