/** The sidecar's configuration values and the file they are read from. */
package io.meshid.sidecar.config;
