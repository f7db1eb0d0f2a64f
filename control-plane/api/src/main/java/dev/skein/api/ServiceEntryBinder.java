package dev.skein.api;

import java.util.List;

/** Binds a ServiceEntry spec. */
final class ServiceEntryBinder {
    private ServiceEntryBinder() {}

    static ServiceEntrySpec bind(Binder spec) {
        int before = spec.problems().count();
        spec.allow("host", "endpoints");
        spec.require("host", "endpoints");
        String host = Names.host(spec, "host");
        List<Endpoint> endpoints = spec.objects("endpoints", (b, i) -> EndpointBinder.bind(b, true));
        if (endpoints != null && endpoints.isEmpty() && spec.problems().count() == before) {
            spec.problem("endpoints", "must have at least one endpoint");
        }
        return spec.problems().count() > before ? null : new ServiceEntrySpec(host, endpoints);
    }
}
