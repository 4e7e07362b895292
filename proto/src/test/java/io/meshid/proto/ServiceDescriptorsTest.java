package io.meshid.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import com.google.protobuf.Descriptors.FileDescriptor;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoFileDescriptorSupplier;
import io.meshid.proto.ca.v1.CertificateAuthorityGrpc;
import io.meshid.proto.identity.v1.IdentityServiceGrpc;
import io.meshid.proto.identity.v1.RegistryServiceGrpc;
import io.meshid.proto.policy.v1.PolicyAdminServiceGrpc;
import io.meshid.proto.policy.v1.PolicyServiceGrpc;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The generated gRPC classes of every meshid service load, and agree with the shipped descriptor set. */
class ServiceDescriptorsTest {

    private static final Map<String, Supplier<ServiceDescriptor>> SERVICES = Map.of(
            "meshid.common.v1.AuditService", io.meshid.proto.common.v1.AuditServiceGrpc::getServiceDescriptor,
            "meshid.ca.v1.CertificateAuthority", CertificateAuthorityGrpc::getServiceDescriptor,
            "meshid.identity.v1.IdentityService", IdentityServiceGrpc::getServiceDescriptor,
            "meshid.identity.v1.RegistryService", RegistryServiceGrpc::getServiceDescriptor,
            "meshid.policy.v1.PolicyService", PolicyServiceGrpc::getServiceDescriptor,
            "meshid.policy.v1.PolicyAdminService", PolicyAdminServiceGrpc::getServiceDescriptor);

    @Test
    void everyMeshidService_hasItsGeneratedClass() {
        List<String> inDescriptorSet = ProtoSet.meshidFiles().stream()
                .flatMap(f -> f.getServiceList().stream().map(s -> f.getPackage() + "." + s.getName()))
                .toList();

        assertThat(SERVICES.keySet()).containsExactlyInAnyOrderElementsOf(inDescriptorSet);
    }

    @Test
    void everyMeshidService_loadsWithTheMethodsOfItsProto() {
        Map<String, ServiceDescriptorProto> protos = new TreeMap<>();
        for (FileDescriptorProto file : ProtoSet.meshidFiles()) {
            file.getServiceList().forEach(s -> protos.put(file.getPackage() + "." + s.getName(), s));
        }

        SERVICES.forEach((name, supplier) -> {
            ServiceDescriptor descriptor = supplier.get();
            assertThat(descriptor.getName()).isEqualTo(name);
            assertThat(descriptor.getMethods()).extracting(MethodDescriptor::getFullMethodName)
                    .containsExactlyInAnyOrderElementsOf(protos.get(name).getMethodList().stream()
                            .map(m -> name + "/" + m.getName()).toList());
            FileDescriptor file = ((ProtoFileDescriptorSupplier) descriptor.getSchemaDescriptor()).getFileDescriptor();
            assertThat(file.findServiceByName(name.substring(name.lastIndexOf('.') + 1))).isNotNull();
        });
    }

    @Test
    void streamingRpcs_areTheWatchRpcsOnly() {
        Map<String, MethodDescriptor.MethodType> types = SERVICES.values().stream()
                .flatMap(s -> s.get().getMethods().stream())
                .collect(Collectors.toMap(MethodDescriptor::getFullMethodName, MethodDescriptor::getType));

        assertThat(types).containsEntry("meshid.ca.v1.CertificateAuthority/WatchTrustBundle",
                MethodDescriptor.MethodType.SERVER_STREAMING);
        assertThat(types).containsEntry("meshid.policy.v1.PolicyService/WatchPolicyVersion",
                MethodDescriptor.MethodType.SERVER_STREAMING);
        assertThat(types.entrySet()).filteredOn(e -> !e.getKey().contains("/Watch"))
                .allSatisfy(e -> assertThat(e.getValue()).as(e.getKey()).isEqualTo(MethodDescriptor.MethodType.UNARY));
    }

    @Test
    void generatedDescriptors_matchTheShippedDescriptorSet() {
        SERVICES.values().forEach(supplier -> {
            FileDescriptor file = ((ProtoFileDescriptorSupplier) supplier.get().getSchemaDescriptor())
                    .getFileDescriptor();
            FileDescriptorProto shipped = ProtoSet.file(file.getName()).toBuilder().clearSourceCodeInfo().build();

            assertThat(withoutJsonNames(file.toProto())).as(file.getName()).isEqualTo(withoutJsonNames(shipped));
        });
    }

    /** protoc's Java output embeds descriptors without json_name; the descriptor set has them. */
    private static FileDescriptorProto withoutJsonNames(FileDescriptorProto file) {
        FileDescriptorProto.Builder builder = file.toBuilder();
        builder.getMessageTypeBuilderList().forEach(ServiceDescriptorsTest::clearJsonNames);
        return builder.build();
    }

    private static void clearJsonNames(DescriptorProto.Builder message) {
        message.getFieldBuilderList().forEach(FieldDescriptorProto.Builder::clearJsonName);
        message.getNestedTypeBuilderList().forEach(ServiceDescriptorsTest::clearJsonNames);
    }
}
