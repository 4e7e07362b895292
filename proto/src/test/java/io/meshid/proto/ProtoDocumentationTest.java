package io.meshid.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo.Location;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The documentation and style rules of meshid's own contracts ({@code meshid.*} packages), checked on the
 * descriptor set with source info: every service, rpc, message, field, oneof, enum and enum value has a
 * leading comment; every rpc comment names the status codes it returns.
 */
class ProtoDocumentationTest {

    // Field numbers of descriptor.proto, as used in SourceCodeInfo paths.
    private static final int FILE_MESSAGE = 4;
    private static final int FILE_ENUM = 5;
    private static final int FILE_SERVICE = 6;
    private static final int MESSAGE_FIELD = 2;
    private static final int MESSAGE_NESTED = 3;
    private static final int MESSAGE_ENUM = 4;
    private static final int MESSAGE_ONEOF = 8;
    private static final int ENUM_VALUE = 2;
    private static final int SERVICE_METHOD = 2;

    private static final List<String> STATUS_CODES = Arrays.stream(Status.Code.values())
            .filter(c -> c != Status.Code.OK).map(Enum::name).toList();
    private static final Pattern LOWER_SNAKE = Pattern.compile("[a-z][a-z0-9]*(_[a-z0-9]+)*");
    private static final Pattern UPPER_SNAKE = Pattern.compile("[A-Z][A-Z0-9]*(_[A-Z0-9]+)*");
    private static final Pattern PACKAGE = Pattern.compile("meshid\\.([a-z]+)\\.v1");

    /** One documented element: what it is, its full name, and its leading comment (null if none). */
    private record Element(String kind, String name, String comment) {
    }

    @Test
    void meshidPackages_areInTheDescriptorSet() {
        assertThat(ProtoSet.meshidFiles()).extracting(FileDescriptorProto::getName).contains(
                "meshid/common/v1/common.proto",
                "meshid/ca/v1/ca.proto",
                "meshid/identity/v1/identity.proto",
                "meshid/identity/v1/registry.proto",
                "meshid/policy/v1/policy.proto",
                "meshid/policy/v1/policy_admin.proto");
        assertThat(ProtoSet.meshidFiles()).allSatisfy(f -> assertThat(f.hasSourceCodeInfo())
                .as("%s has source info", f.getName()).isTrue());
    }

    @Test
    void everyElement_hasALeadingComment() {
        List<String> undocumented = elements().stream()
                .filter(e -> e.comment() == null || e.comment().isBlank())
                .map(e -> e.kind() + " " + e.name())
                .toList();

        assertThat(undocumented).as("elements without a leading comment").isEmpty();
    }

    @Test
    void everyRpcComment_namesTheStatusCodesItReturns() {
        List<String> missing = elements().stream()
                .filter(e -> e.kind().equals("rpc"))
                .filter(e -> e.comment() == null || STATUS_CODES.stream().noneMatch(e.comment()::contains))
                .map(Element::name)
                .toList();

        assertThat(missing).as("rpcs whose comment names no gRPC status code").isEmpty();
    }

    @Test
    void files_followThePackageAndJavaConventions() {
        for (FileDescriptorProto file : ProtoSet.meshidFiles()) {
            var matcher = PACKAGE.matcher(file.getPackage());
            assertThat(matcher.matches()).as("package of %s", file.getName()).isTrue();
            assertThat(file.getSyntax()).as("syntax of %s", file.getName()).isEqualTo("proto3");
            assertThat(file.getOptions().getJavaPackage()).as("java_package of %s", file.getName())
                    .isEqualTo("io.meshid.proto." + matcher.group(1) + ".v1");
            assertThat(file.getOptions().getJavaMultipleFiles()).as("java_multiple_files of %s", file.getName())
                    .isTrue();
        }
    }

    @Test
    void rpcs_takeAndReturnTheirOwnMessages() {
        List<String> wrong = new ArrayList<>();
        for (FileDescriptorProto file : ProtoSet.meshidFiles()) {
            for (ServiceDescriptorProto service : file.getServiceList()) {
                service.getMethodList().forEach(m -> {
                    String prefix = "." + file.getPackage() + "." + m.getName();
                    if (!m.getInputType().equals(prefix + "Request")
                            || !m.getOutputType().equals(prefix + "Response")) {
                        wrong.add(service.getName() + "." + m.getName());
                    }
                });
            }
        }

        assertThat(wrong).as("rpcs not shaped <Rpc>Request -> <Rpc>Response").isEmpty();
    }

    @Test
    void names_followTheStyleGuide() {
        List<String> wrong = new ArrayList<>();
        for (FileDescriptorProto file : ProtoSet.meshidFiles()) {
            file.getMessageTypeList().forEach(m -> checkMessageNames(file.getPackage(), m, wrong));
            file.getEnumTypeList().forEach(e -> checkEnum(file.getPackage(), e, wrong));
        }

        assertThat(wrong).as("names against the style guide").isEmpty();
    }

    private static void checkMessageNames(String scope, DescriptorProto message, List<String> wrong) {
        String name = scope + "." + message.getName();
        for (FieldDescriptorProto field : message.getFieldList()) {
            if (!LOWER_SNAKE.matcher(field.getName()).matches()) {
                wrong.add("field " + name + "." + field.getName() + " is not lower_snake_case");
            }
        }
        message.getNestedTypeList().stream().filter(n -> !n.getOptions().getMapEntry())
                .forEach(n -> checkMessageNames(name, n, wrong));
        message.getEnumTypeList().forEach(e -> checkEnum(name, e, wrong));
    }

    private static void checkEnum(String scope, EnumDescriptorProto e, List<String> wrong) {
        String prefix = e.getName().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase() + "_";
        if (!e.getValue(0).getName().equals(prefix + "UNSPECIFIED") || e.getValue(0).getNumber() != 0) {
            wrong.add("enum " + scope + "." + e.getName() + " does not start with " + prefix + "UNSPECIFIED = 0");
        }
        e.getValueList().stream()
                .filter(v -> !v.getName().startsWith(prefix) || !UPPER_SNAKE.matcher(v.getName()).matches())
                .forEach(v -> wrong.add("enum value " + v.getName() + " is not " + prefix + "UPPER_SNAKE"));
    }

    private static List<Element> elements() {
        List<Element> all = new ArrayList<>();
        for (FileDescriptorProto file : ProtoSet.meshidFiles()) {
            Map<List<Integer>, String> comments = new HashMap<>();
            for (Location location : file.getSourceCodeInfo().getLocationList()) {
                if (location.hasLeadingComments()) {
                    comments.put(location.getPathList(), location.getLeadingComments());
                }
            }
            String pkg = file.getPackage();
            for (int s = 0; s < file.getServiceCount(); s++) {
                ServiceDescriptorProto service = file.getService(s);
                List<Integer> path = List.of(FILE_SERVICE, s);
                all.add(new Element("service", pkg + "." + service.getName(), comments.get(path)));
                for (int m = 0; m < service.getMethodCount(); m++) {
                    all.add(new Element("rpc", pkg + "." + service.getName() + "." + service.getMethod(m).getName(),
                            comments.get(append(path, SERVICE_METHOD, m))));
                }
            }
            for (int i = 0; i < file.getMessageTypeCount(); i++) {
                addMessage(pkg, file.getMessageType(i), List.of(FILE_MESSAGE, i), comments, all);
            }
            for (int i = 0; i < file.getEnumTypeCount(); i++) {
                addEnum(pkg, file.getEnumType(i), List.of(FILE_ENUM, i), comments, all);
            }
        }
        return all;
    }

    private static void addMessage(String scope, DescriptorProto message, List<Integer> path,
            Map<List<Integer>, String> comments, List<Element> all) {
        if (message.getOptions().getMapEntry()) {
            return; // synthetic, documented by its map field
        }
        String name = scope + "." + message.getName();
        all.add(new Element("message", name, comments.get(path)));
        for (int f = 0; f < message.getFieldCount(); f++) {
            all.add(new Element("field", name + "." + message.getField(f).getName(),
                    comments.get(append(path, MESSAGE_FIELD, f))));
        }
        for (int o = 0; o < message.getOneofDeclCount(); o++) {
            int index = o;
            boolean synthetic = message.getFieldList().stream()
                    .anyMatch(f -> f.getProto3Optional() && f.hasOneofIndex() && f.getOneofIndex() == index);
            if (!synthetic) {
                all.add(new Element("oneof", name + "." + message.getOneofDecl(o).getName(),
                        comments.get(append(path, MESSAGE_ONEOF, o))));
            }
        }
        for (int n = 0; n < message.getNestedTypeCount(); n++) {
            addMessage(name, message.getNestedType(n), append(path, MESSAGE_NESTED, n), comments, all);
        }
        for (int e = 0; e < message.getEnumTypeCount(); e++) {
            addEnum(name, message.getEnumType(e), append(path, MESSAGE_ENUM, e), comments, all);
        }
    }

    private static void addEnum(String scope, EnumDescriptorProto e, List<Integer> path,
            Map<List<Integer>, String> comments, List<Element> all) {
        String name = scope + "." + e.getName();
        all.add(new Element("enum", name, comments.get(path)));
        for (int v = 0; v < e.getValueCount(); v++) {
            all.add(new Element("enum value", name + "." + e.getValue(v).getName(),
                    comments.get(append(path, ENUM_VALUE, v))));
        }
    }

    private static List<Integer> append(List<Integer> path, int... more) {
        List<Integer> out = new ArrayList<>(path);
        for (int i : more) {
            out.add(i);
        }
        return List.copyOf(out);
    }
}
