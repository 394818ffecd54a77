/**
 * The golden-vector verifier: loads {@code golden/*.io.safetensors} cases produced by the upstream
 * PyTorch code, runs the registered {@link org.lockey.golden.Component} named in each case's
 * metadata, and grades every output with {@code max|port-ref| <= tol * max(1, max|ref|)}.
 */
package org.lockey.golden;
