/**
 * The Skein policy model: records for every policy kind, parsing and validation from YAML or JSON
 * ({@link dev.skein.api.PolicyParser}), checks across policies ({@link dev.skein.api.PolicySetValidator})
 * and the etcd key layout ({@link dev.skein.api.KeyLayout}). Plain Java; no agent code.
 */
package dev.skein.api;
