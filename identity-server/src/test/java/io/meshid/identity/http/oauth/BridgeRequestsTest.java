package io.meshid.identity.http.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BridgeRequestsTest {

    @Test
    void isForm_acceptsTheFormMediaTypeInAnyAsciiCase_withParameters_andNothingElse() {
        assertThat(BridgeRequests.isForm("application/x-www-form-urlencoded")).isTrue();
        assertThat(BridgeRequests.isForm(" Application/X-WWW-Form-URLencoded ; charset=UTF-8")).isTrue();
        assertThat(BridgeRequests.isForm("application/x-www-form-urlencoded;")).isTrue();

        assertThat(BridgeRequests.isForm(null)).isFalse();
        assertThat(BridgeRequests.isForm("")).isFalse();
        assertThat(BridgeRequests.isForm("application/json")).isFalse();
        assertThat(BridgeRequests.isForm("application/x-www-form-urlencodedx")).isFalse();
        assertThat(BridgeRequests.isForm("application/x-www-form-urlencode")).isFalse();
        assertThat(BridgeRequests.isForm("multipart/form-data; boundary=x")).isFalse();
        // Only ASCII letters fold: a dotless or dotted i is not an i.
        assertThat(BridgeRequests.isForm("applıcation/x-www-form-urlencoded")).isFalse();
        assertThat(BridgeRequests.isForm("applİcation/x-www-form-urlencoded")).isFalse();
    }
}
