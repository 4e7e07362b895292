package io.meshid.proto;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The descriptor set that the build writes next to the classes (with source info, so with comments), as
 * shipped in the jar at {@value #RESOURCE}.
 */
final class ProtoSet {

    static final String RESOURCE = "META-INF/meshid/meshid.protoset";

    private static final FileDescriptorSet SET = read();

    private ProtoSet() {
    }

    static FileDescriptorSet all() {
        return SET;
    }

    /** The files of meshid's own packages ({@code meshid.*}). */
    static List<FileDescriptorProto> meshidFiles() {
        return SET.getFileList().stream().filter(f -> f.getPackage().startsWith("meshid.")).toList();
    }

    static FileDescriptorProto file(String name) {
        return SET.getFileList().stream().filter(f -> f.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " is not in " + RESOURCE));
    }

    private static FileDescriptorSet read() {
        try (InputStream in = ProtoSet.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the class path (expected: written by"
                        + " protobuf-maven-plugin's outputDescriptorFile into target/classes)");
            }
            return FileDescriptorSet.parseFrom(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
