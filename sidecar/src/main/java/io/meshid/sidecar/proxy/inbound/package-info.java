/** The inbound side: mutual TLS from peers' sidecars, a decision per request, the workload's port. */
package io.meshid.sidecar.proxy.inbound;
