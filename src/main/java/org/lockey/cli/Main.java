package org.lockey.cli;
public final class Main { public static void main(String[] a) { } }
