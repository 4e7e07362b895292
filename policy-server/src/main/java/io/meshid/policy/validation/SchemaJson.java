package io.meshid.policy.validation;

import com.cedarpolicy.model.schema.Schema;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshid.common.errors.MeshidException;

/** A parsed schema in Cedar's JSON schema format, whichever format it was written in. Stateless. */
final class SchemaJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SchemaJson() {}

    /**
     * The JSON form of {@code schema}.
     *
     * @throws MeshidException.InvalidArgument when cedar-java cannot convert it
     */
    static JsonNode of(Schema schema) {
        try {
            if (schema.schemaJson.isPresent()) {
                return schema.schemaJson.get();
            }
            if (schema.type == Schema.JsonOrCedar.Json && schema.schemaText.isPresent()) {
                return JSON.readTree(schema.schemaText.get());
            }
            return schema.toJsonFormat();
        } catch (Exception e) {
            throw new MeshidException.InvalidArgument("schema: " + SourceReading.cedarMessage(e)
                    + " (expected: a schema cedar-java can write in Cedar's JSON format)", e);
        }
    }
}
