package dev.skein.api;

/** What an AuthorizationPolicy does with requests its rules match. */
public enum AuthzAction {
    /** Allow matching requests; once any ALLOW policy applies, requests matching none are denied. */
    ALLOW,
    /** Deny matching requests; DENY wins over ALLOW. */
    DENY,
    /** Only log matching requests. */
    AUDIT
}
