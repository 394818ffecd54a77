/**
 * The {@code ./lockey} command line: {@link org.lockey.cli.Main} dispatches to one
 * {@link org.lockey.cli.Command} per sub-command, registered in {@link org.lockey.cli.Commands}.
 */
package org.lockey.cli;
