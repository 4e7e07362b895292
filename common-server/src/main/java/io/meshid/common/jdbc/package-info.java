/** Small helpers for the stores that write plain JDBC by hand. */
package io.meshid.common.jdbc;
