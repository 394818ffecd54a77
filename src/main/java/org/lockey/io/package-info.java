/**
 * File formats: the validating safetensors reader and writer (a security boundary), upstream
 * state dicts and their key checks, JSON (the shared mappers), atomic writes, and the exclusive file lock (of a read-modify-write,
 * of a run directory's one writer).
 */
package org.lockey.io;
