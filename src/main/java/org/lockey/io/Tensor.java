package org.lockey.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One tensor of a safetensors file: its element type, its shape (row-major) and its raw
 * little-endian bytes. Conversions widen or narrow to the type a caller needs.
 *
 * @param name  the tensor's key
 * @param dtype element type
 * @param shape dimensions; {@code []} for a scalar
 * @param data  exactly {@code numel * dtype.bytes()} bytes, little-endian, read-only
 */
public record Tensor(String name, DType dtype, long[] shape, ByteBuffer data) {
    public Tensor {
        shape = shape.clone();
        data = data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements (1 for a scalar). */
    public long numel() {
        return numel(shape);
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The shape as an int array (every tensor here is far below 2^31 elements per axis). */
    public int[] intShape() {
        return Arrays.stream(shape).mapToInt(Math::toIntExact).toArray();
    }

    /** All elements as doubles, in row-major order. */
    public double[] toDoubleArray() {
        int n = Math.toIntExact(numel());
        double[] out = new double[n];
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            out[i] = switch (dtype) {
                case F64 -> b.getDouble(i * 8);
                case F32 -> b.getFloat(i * 4);
                case F16 -> halfToFloat(b.getShort(i * 2));
                case BF16 -> Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16);
                case I64 -> b.getLong(i * 8);
                case I32 -> b.getInt(i * 4);
                case I8 -> b.get(i);
                case U8, BOOL -> b.get(i) & 0xff;
            };
        }
        return out;
    }

    /** All elements as floats, in row-major order. */
    public float[] toFloatArray() {
        double[] d = toDoubleArray();
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /** All elements as longs; only for integral types. */
    public long[] toLongArray() {
        if (!dtype.isIntegral()) {
            throw new IllegalStateException(name + ": " + dtype + " is not an integer type");
        }
        int n = Math.toIntExact(numel());
        long[] out = new long[n];
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            out[i] = switch (dtype) {
                case I64 -> b.getLong(i * 8);
                case I32 -> b.getInt(i * 4);
                case I8 -> b.get(i);
                case U8, BOOL -> b.get(i) & 0xff;
                default -> throw new AssertionError();
            };
        }
        return out;
    }

    /** The tensor as an ND4J array of the given type (FLOAT for graph parameters). */
    public INDArray toNd(DataType type) {
        long[] s = shape.length == 0 ? new long[0] : shape;
        if (type == DataType.INT64 || type == DataType.LONG) {
            return s.length == 0 ? Nd4j.scalar(toLongArray()[0]) : Nd4j.createFromArray(toLongArray()).reshape(s);
        }
        if (type == DataType.DOUBLE) {
            double[] d = toDoubleArray();
            return s.length == 0 ? Nd4j.scalar(d[0]) : Nd4j.createFromArray(d).reshape(s);
        }
        float[] f = toFloatArray();
        INDArray a = s.length == 0 ? Nd4j.scalar(f[0]) : Nd4j.createFromArray(f).reshape(s);
        return a.dataType() == type ? a : a.castTo(type);
    }

    /** The tensor as float32 ND4J array. */
    public INDArray toNd() {
        return dtype.isIntegral() && dtype != DType.BOOL ? toNd(DataType.INT64) : toNd(DataType.FLOAT);
    }

    /** A float32 tensor from values and a shape. */
    public static Tensor ofFloats(String name, float[] values, long... shape) {
        check(values.length, shape, name);
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new Tensor(name, DType.F32, shape, b);
    }

    /** An int64 tensor from values and a shape. */
    public static Tensor ofLongs(String name, long[] values, long... shape) {
        check(values.length, shape, name);
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return new Tensor(name, DType.I64, shape, b);
    }

    /** A float32 (or int64, for integer arrays) tensor from an ND4J array. */
    public static Tensor of(String name, INDArray a) {
        long[] shape = a.shape();
        if (a.dataType().isIntType()) {
            return ofLongs(name, a.dup().castTo(DataType.INT64).data().asLong(), shape);
        }
        return ofFloats(name, a.dup().castTo(DataType.FLOAT).data().asFloat(), shape);
    }

    private static void check(int n, long[] shape, String name) {
        if (numel(shape) != n) {
            throw new IllegalArgumentException(name + ": " + n + " values for shape " + Arrays.toString(shape));
        }
    }

    /** IEEE 754 half precision to float. */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits >>> 15) << 31;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && t.name.equals(name) && t.dtype == dtype
                && Arrays.equals(t.shape, shape) && t.data.equals(data);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
