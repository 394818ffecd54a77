/**
 * File formats: the validating safetensors reader and writer (a security boundary), upstream
 * state dicts and their key checks, atomic writes.
 */
package org.lockey.io;
