package io.meshid.demo.whoami;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ForwardedClientCertTest {

    @Test
    void theSidecarsForm_givesByAndUri() {
        assertThat(ForwardedClientCert.parse("By=spiffe://d.test/demo/whoami;URI=spiffe://d.test/demo/status"))
                .contains(new ForwardedClientCert("spiffe://d.test/demo/whoami", "spiffe://d.test/demo/status"));
    }

    @Test
    void keysAreCaseInsensitive_quotedValuesAreUnquoted_andOtherKeysIgnored() {
        assertThat(ForwardedClientCert.parse("by=\"spiffe://d.test/a;b\";Hash=abc;uri=\"spiffe://d.test/c\\\"d\""))
                .contains(new ForwardedClientCert("spiffe://d.test/a;b", "spiffe://d.test/c\"d"));
    }

    @Test
    void severalElements_theLastIsTheNearestProxys() {
        assertThat(ForwardedClientCert.parse("By=spiffe://x/1;URI=spiffe://x/far, By=spiffe://x/2;URI=spiffe://x/near"))
                .contains(new ForwardedClientCert("spiffe://x/2", "spiffe://x/near"));
    }

    @Test
    void absentMalformedOrWithoutUri_isEmpty() {
        assertThat(ForwardedClientCert.parse(null)).isEmpty();
        assertThat(ForwardedClientCert.parse("")).isEmpty();
        assertThat(ForwardedClientCert.parse("By=spiffe://x/1")).isEmpty();
        assertThat(ForwardedClientCert.parse("URI")).isEmpty();
        assertThat(ForwardedClientCert.parse("URI=\"spiffe://x/unterminated")).isEmpty();
        assertThat(ForwardedClientCert.parse("URI=spiffe://x/1, By=spiffe://x/2")).as("the last element has no URI").isEmpty();
        assertThat(ForwardedClientCert.parse("URI=" + "a".repeat(9000))).isEmpty();
    }
}
