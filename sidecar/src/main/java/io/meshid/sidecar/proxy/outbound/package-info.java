/** The outbound side: the app's plaintext requests, routed by Host over mutual TLS to peers' sidecars. */
package io.meshid.sidecar.proxy.outbound;
