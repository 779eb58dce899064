package dev.gocontext.spring.boot;

import dev.gocontext.reactor.http.OutboundPropagation;

/** The {@link OutboundPropagation} that {@code gocontext.client.*} and {@code gocontext.web.*} describe. */
final class ConfiguredPropagation {
    private ConfiguredPropagation() {}

    static OutboundPropagation of(GoContextProperties properties) {
        AllowedHosts hosts = AllowedHosts.of(properties.getClient().getAllowedHosts());
        return OutboundPropagation.toHosts(hosts);
    }
}
