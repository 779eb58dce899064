package dev.gocontext.spring.boot;

/**
 * The checked names of {@code gocontext.web.timeout-header} and {@code
 * gocontext.web.request-id-header}: what the server reads and echoes, and what clients send.
 *
 * @param timeout the header with the caller's budget
 * @param requestId the header with the request id
 */
record HeaderNames(String timeout, String requestId) {
    static HeaderNames of(GoContextProperties.Web web) {
        String prefix = ConfiguredRequests.PREFIX;
        String timeout = PropertyChecks.headerName(prefix + "timeout-header", web.getTimeoutHeader());
        String requestId = PropertyChecks.headerName(prefix + "request-id-header", web.getRequestIdHeader());
        if (timeout.equalsIgnoreCase(requestId)) {
            throw PropertyChecks.invalid(
                    prefix + "request-id-header", requestId, "must differ from " + prefix + "timeout-header");
        }
        return new HeaderNames(timeout, requestId);
    }
}
