package org.lockey.io;

/** The safetensors element types this project reads (all) and writes (F32, I64). */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I8(1), U8(1), BOOL(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }

    /** True for the integer and boolean types. */
    public boolean isIntegral() {
        return this == I64 || this == I32 || this == I8 || this == U8 || this == BOOL;
    }

    /** The type named by a safetensors header string, or null when the name is unknown. */
    public static DType parse(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
