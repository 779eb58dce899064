package dev.gocontext.spring.boot;

import dev.gocontext.reactor.http.OutboundPropagation;

/**
 * The {@link OutboundPropagation} that {@code gocontext.client.allowed-hosts} describes, sending
 * the header names of {@code gocontext.web.*} (one convention for what a service receives and
 * sends).
 */
final class ConfiguredPropagation {
    private ConfiguredPropagation() {}

    static OutboundPropagation of(GoContextProperties properties) {
        AllowedHosts hosts = AllowedHosts.of(properties.getClient().getAllowedHosts());
        HeaderNames headers = HeaderNames.of(properties.getWeb());
        return OutboundPropagation.toHosts(hosts).withHeaderNames(headers.timeout(), headers.requestId());
    }
}
