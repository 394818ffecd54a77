/**
 * The LOCKEY key path (paper §III, docs/lockey.md, "Decisions and why"): {@link
 * org.lockey.model.lockey.KeyEmbedding}, the key encoder E_k ({@link
 * org.lockey.model.lockey.KeyEncoder}) and the verification head ({@link
 * org.lockey.model.lockey.KeyVerifier}).
 */
package org.lockey.model.lockey;
