/**
 * Shared SameDiff building blocks, one class per PyTorch module they reproduce (Conv1d,
 * ConvTranspose1d, weight norm, ...), and {@link org.lockey.nn.Scope}, which names every graph
 * variable by its upstream {@code state_dict} key so upstream checkpoints load unchanged.
 */
package org.lockey.nn;
