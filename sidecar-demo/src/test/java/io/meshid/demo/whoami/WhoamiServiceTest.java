package io.meshid.demo.whoami;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The whoami workload over real HTTP on loopback (no sidecar: the header is set by the test, as a sidecar would). */
class WhoamiServiceTest {

    private WhoamiService service;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        service = WhoamiService.start(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        service.close();
        client.close();
    }

    @Test
    void whoami_answersTheCallerItsSidecarPassed() throws Exception {
        HttpResponse<String> r = get("/whoami", "By=spiffe://d.test/demo/whoami;URI=spiffe://d.test/demo/status");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).contains("application/json");
        assertThat(r.body()).contains("\"caller\": {\"spiffe_id\": \"spiffe://d.test/demo/status\", \"by\": \"spiffe://d.test/demo/whoami\"}")
                .contains("\"x_forwarded_client_cert\": \"By=spiffe://d.test/demo/whoami;URI=spiffe://d.test/demo/status\"");
    }

    @Test
    void whoami_withoutTheHeader_saysSo() throws Exception {
        HttpResponse<String> r = get("/whoami", null);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"caller\": null").contains("did not come through a sidecar");
    }

    @Test
    void aHeaderValueIsEscapedInTheJson() throws Exception {
        HttpResponse<String> r = get("/whoami", "URI=\"spiffe://d.test/a\\\"b\"");

        assertThat(r.body()).contains("\"spiffe_id\": \"spiffe://d.test/a\\\"b\"");
    }

    @Test
    void otherPathsAndMethods_areRefused() throws Exception {
        assertThat(get("/secret", null).statusCode()).isEqualTo(404);
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(uri("/whoami")).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).contains("GET, HEAD");
    }

    private HttpResponse<String> get(String path, String xfcc) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path));
        if (xfcc != null) {
            b.header("x-forwarded-client-cert", xfcc);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + service.address().getPort() + path);
    }
}
