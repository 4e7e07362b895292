/** The HTTP proxy core shared by the inbound and outbound listeners: framing, bounds, back-pressure, TLS. */
package io.meshid.sidecar.proxy;
