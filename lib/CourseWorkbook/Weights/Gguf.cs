using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Weights;

/// <summary>GGUF metadata value types (gguf.md).</summary>
public enum GgufValueType : uint
{
    UInt8 = 0, Int8 = 1, UInt16 = 2, Int16 = 3, UInt32 = 4, Int32 = 5, Float32 = 6, Bool = 7, String = 8, Array = 9,
    UInt64 = 10, Int64 = 11, Float64 = 12,
}

/// <summary>
/// One metadata key/value. Arrays are typed .NET arrays (string[], float[], int[], ...); nested arrays are object[].
/// </summary>
public sealed record GgufMetadata(string Key, GgufValueType Type, object Value, GgufValueType? ElementType = null)
{
    /// <summary>A short display form: scalars as is, arrays as "[type × count]".</summary>
    public string Display => Value is Array a ? $"[{ElementType} × {a.Length}]" : Value.ToString() ?? "";
}

/// <summary>
/// One tensor's header: name, ggml dimensions (ne0 first, the fastest-varying), type and data location.
/// </summary>
public sealed record GgufTensorInfo(
    string Name, long[] Dimensions, GgmlType Type, long RelativeOffset, long FileOffset, long ByteLength)
{
    /// <summary>Number of elements (product of the dimensions).</summary>
    public long ElementCount => Dimensions.Aggregate(1L, (a, b) => a * b);

    /// <summary>The PyTorch shape: the ggml dimensions reversed (a [out,in] matrix is stored with ne0 = in).</summary>
    public long[] TorchShape => Dimensions.Reverse().ToArray();
}

/// <summary>
/// A GGUF file (v2/v3): header, metadata, tensor infos, and tensor data read on demand with positional reads, so a
/// multi-gigabyte file costs only its header until a tensor is asked for. Every count, length and offset in the
/// header is checked against the file size before anything is allocated; a bad file throws
/// <see cref="InvalidDataException"/> naming the file and the byte offset.
/// </summary>
public sealed class GgufFile : IDisposable
{
    /// <summary>"GGUF" read as a little-endian uint32.</summary>
    public const uint Magic = 0x46554747;
    /// <summary>The alignment used when general.alignment is absent.</summary>
    public const int DefaultAlignment = 32;
    const int MaxDims = 4;

    readonly SafeFileHandle handle;
    readonly Dictionary<string, GgufMetadata> byKey;
    readonly Dictionary<string, GgufTensorInfo> tensorsByName;

    GgufFile(string path, SafeFileHandle handle, uint version,
        List<GgufMetadata> metadata, List<GgufTensorInfo> tensors,
        long alignment, long dataOffset, long length)
    {
        Path = path; this.handle = handle; Version = version; Metadata = metadata; Tensors = tensors;
        Alignment = alignment; DataOffset = dataOffset; FileLength = length;
        byKey = metadata.ToDictionary(m => m.Key);
        tensorsByName = tensors.ToDictionary(t => t.Name);
    }

    /// <summary>The file this was read from.</summary>
    public string Path { get; }
    /// <summary>Format version (2 or 3).</summary>
    public uint Version { get; }
    /// <summary>Metadata in file order.</summary>
    public IReadOnlyList<GgufMetadata> Metadata { get; }
    /// <summary>Tensor infos in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }
    /// <summary>Data alignment (general.alignment or 32).</summary>
    public long Alignment { get; }
    /// <summary>Absolute offset of the tensor data section.</summary>
    public long DataOffset { get; }
    /// <summary>File size in bytes.</summary>
    public long FileLength { get; }
    /// <summary>general.architecture ("llama", "qwen2", "gpt2", "bert"), or null.</summary>
    public string? Architecture => TryGet("general.architecture", out var v) ? v as string : null;

    /// <summary>Reads and validates the header of a GGUF file; tensor data stays on disk.</summary>
    public static GgufFile Open(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            long length = RandomAccess.GetLength(handle);
            var r = new BoundedReader(handle, path, length);
            r.Require(4, "GGUF magic");
            uint magic = r.U32("magic");
            if (magic != Magic)
                throw r.Error($"not a GGUF file: magic 0x{magic:X8}, expected 0x{Magic:X8} (\"GGUF\")", 0);
            uint version = r.U32("version");
            if (version is not (2 or 3))
                throw r.Error(version == 1
                    ? "GGUF v1 (32-bit counts) is not supported"
                    : $"unsupported GGUF version {version}", 4);

            long at = r.Position;
            long nTensors = r.Count(r.U64("tensor count"), 8 + 4 + 8 + 4 + 8, "tensor count", at);
            at = r.Position;
            long nKv = r.Count(r.U64("metadata count"), 8 + 4 + 1, "metadata count", at);

            var metadata = new List<GgufMetadata>((int)Math.Min(nKv, 4096));
            var keys = new HashSet<string>();
            for (long i = 0; i < nKv; i++)
            {
                long keyAt = r.Position;
                string key = ReadString(r, "metadata key");
                if (!keys.Add(key)) throw r.Error($"duplicate metadata key '{key}'", keyAt);
                long typeAt = r.Position;
                var type = (GgufValueType)r.U32($"type of '{key}'");
                var (value, elementType) = ReadValue(r, type, key, typeAt, depth: 0);
                metadata.Add(new GgufMetadata(key, type, value, elementType));
            }

            long alignment = DefaultAlignment;
            var alignEntry = metadata.FirstOrDefault(m => m.Key == "general.alignment");
            if (alignEntry is not null)
            {
                alignment = alignEntry.Value is uint u ? u : throw r.Error("general.alignment must be a uint32");
                if (alignment == 0 || alignment % 8 != 0 || alignment > 1 << 20)
                    throw r.Error($"general.alignment {alignment} is not a positive multiple of 8");
            }

            var infos = new List<(string Name, long[] Dims, GgmlType Type, long Offset, long Bytes, long At)>(
                (int)Math.Min(nTensors, 1 << 16));
            var names = new HashSet<string>();
            for (long i = 0; i < nTensors; i++)
            {
                long infoAt = r.Position;
                string name = ReadString(r, "tensor name");
                if (!names.Add(name)) throw r.Error($"duplicate tensor name '{name}'", infoAt);
                long dimsAt = r.Position;
                uint nDims = r.U32($"dimension count of '{name}'");
                if (nDims == 0 || nDims > MaxDims)
                    throw r.Error($"tensor '{name}' has {nDims} dimensions (1..{MaxDims} allowed)", dimsAt);
                var dims = new long[nDims];
                long elements = 1;
                for (int d = 0; d < nDims; d++)
                {
                    long dimAt = r.Position;
                    ulong dim = r.U64($"dimension {d} of '{name}'");
                    if (dim == 0 || dim > long.MaxValue / 2)
                        throw r.Error($"tensor '{name}' dimension {d} is {dim}", dimAt);
                    dims[d] = (long)dim;
                    if (elements > long.MaxValue / dims[d])
                        throw r.Error($"tensor '{name}' element count overflows", dimAt);
                    elements *= dims[d];
                }
                long typeAt = r.Position;
                var type = (GgmlType)r.U32($"type of '{name}'");
                if (!GgmlTypes.IsKnown(type))
                    throw r.Error($"tensor '{name}' has unknown ggml type {(uint)type}", typeAt);
                int block = GgmlTypes.BlockSize(type);
                if (dims[0] % block != 0)
                    throw r.Error(
                        $"tensor '{name}': ne0 = {dims[0]} is not a multiple of the {type} block size {block}", dimsAt);
                long bytes = elements / block * GgmlTypes.BlockBytes(type);
                if (bytes > length)
                    throw r.Error($"tensor '{name}' needs {bytes} bytes, more than the whole file ({length})", dimsAt);
                long offAt = r.Position;
                ulong offset = r.U64($"offset of '{name}'");
                if (offset > (ulong)length)
                    throw r.Error($"tensor '{name}' offset {offset} is beyond the end of the file", offAt);
                if ((long)offset % alignment != 0)
                    throw r.Error(
                        $"tensor '{name}' offset {offset} is not a multiple of the alignment {alignment}", offAt);
                infos.Add((name, dims, type, (long)offset, bytes, offAt));
            }

            long dataOffset = (r.Position + alignment - 1) / alignment * alignment;
            if (nTensors > 0 && dataOffset > length)
                throw r.Error(
                    $"tensor data section (at {dataOffset}) starts beyond the end of the file", r.Position);
            var tensors = new List<GgufTensorInfo>(infos.Count);
            foreach (var t in infos)
            {
                long start = dataOffset + t.Offset;
                if (start > length || t.Bytes > length - start)
                    throw r.Error($"tensor '{t.Name}' data [{start}, {start + t.Bytes}) "
                        + $"runs past the end of the {length}-byte file", t.At);
                tensors.Add(new GgufTensorInfo(t.Name, t.Dims, t.Type, t.Offset, start, t.Bytes));
            }
            var sorted = tensors.OrderBy(t => t.FileOffset).ToList();
            for (int i = 1; i < sorted.Count; i++)
                if (sorted[i].FileOffset < sorted[i - 1].FileOffset + sorted[i - 1].ByteLength)
                    throw r.Error(
                        $"tensors '{sorted[i - 1].Name}' and '{sorted[i].Name}' overlap", sorted[i].FileOffset);

            return new GgufFile(path, handle, version, metadata, tensors, alignment, dataOffset, length);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    static string ReadString(BoundedReader r, string what)
    {
        long at = r.Position;
        ulong len = r.U64($"{what} length");
        if (len > (ulong)r.Remaining)
            throw r.Error($"{what} length {len} exceeds the {r.Remaining} remaining bytes", at);
        return r.Utf8((long)len, what);
    }

    /// <summary>
    /// Longest metadata array read (2^24 items): real files hold vocabularies and merges of at most a few hundred
    /// thousand, so a larger count is a damaged or hostile file, refused before anything is allocated.
    /// </summary>
    public const long MaxArrayLength = 1 << 24;

    static int MinBytes(GgufValueType t) => t switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 or GgufValueType.String => 8,
        GgufValueType.Array => 12,
        _ => 1,
    };

    static (object Value, GgufValueType? ElementType) ReadValue(
        BoundedReader r, GgufValueType type, string key, long typeAt, int depth)
    {
        switch (type)
        {
            case GgufValueType.UInt8: return (r.U8(key), null);
            case GgufValueType.Int8: return ((sbyte)r.U8(key), null);
            case GgufValueType.UInt16: return (r.U16(key), null);
            case GgufValueType.Int16: return ((short)r.U16(key), null);
            case GgufValueType.UInt32: return (r.U32(key), null);
            case GgufValueType.Int32: return ((int)r.U32(key), null);
            case GgufValueType.Float32: return (r.F32(key), null);
            case GgufValueType.Bool:
                long boolAt = r.Position;
                byte b = r.U8(key);
                if (b > 1) throw r.Error($"'{key}': bool value {b} is neither 0 nor 1", boolAt);
                return (b == 1, null);
            case GgufValueType.String: return (ReadString(r, $"string value of '{key}'"), null);
            case GgufValueType.UInt64: return (r.U64(key), null);
            case GgufValueType.Int64: return ((long)r.U64(key), null);
            case GgufValueType.Float64: return (r.F64(key), null);
            case GgufValueType.Array:
                if (depth > 4) throw r.Error($"'{key}': arrays nested more than 4 deep", typeAt);
                long elemAt = r.Position;
                var et = (GgufValueType)r.U32($"array element type of '{key}'");
                if (!Enum.IsDefined(et)) throw r.Error($"'{key}': unknown array element type {(uint)et}", elemAt);
                long countAt = r.Position;
                long n = r.Count(r.U64($"array length of '{key}'"), MinBytes(et), $"array '{key}'", countAt);
                if (n > MaxArrayLength)
                    throw r.Error($"array '{key}' claims {n} items; a metadata array holds at most {MaxArrayLength} "
                        + "(the largest tokenizer vocabularies hold a few hundred thousand)", countAt);
                return (ReadArray(r, et, n, key, depth), et);
            default:
                throw r.Error($"'{key}': unknown metadata value type {(uint)type}", typeAt);
        }
    }

    static Array ReadArray(BoundedReader r, GgufValueType et, long n, string key, int depth)
    {
        int count = checked((int)n);
        switch (et)
        {
            case GgufValueType.UInt8:
                { var a = new byte[count]; for (int i = 0; i < count; i++) a[i] = r.U8(key); return a; }
            case GgufValueType.Int8:
                { var a = new sbyte[count]; for (int i = 0; i < count; i++) a[i] = (sbyte)r.U8(key); return a; }
            case GgufValueType.UInt16:
                { var a = new ushort[count]; for (int i = 0; i < count; i++) a[i] = r.U16(key); return a; }
            case GgufValueType.Int16:
                { var a = new short[count]; for (int i = 0; i < count; i++) a[i] = (short)r.U16(key); return a; }
            case GgufValueType.UInt32:
                { var a = new uint[count]; for (int i = 0; i < count; i++) a[i] = r.U32(key); return a; }
            case GgufValueType.Int32:
                { var a = new int[count]; for (int i = 0; i < count; i++) a[i] = (int)r.U32(key); return a; }
            case GgufValueType.Float32:
                { var a = new float[count]; for (int i = 0; i < count; i++) a[i] = r.F32(key); return a; }
            case GgufValueType.Bool:
                { var a = new bool[count]; for (int i = 0; i < count; i++) a[i] = r.U8(key) != 0; return a; }
            case GgufValueType.UInt64:
                { var a = new ulong[count]; for (int i = 0; i < count; i++) a[i] = r.U64(key); return a; }
            case GgufValueType.Int64:
                { var a = new long[count]; for (int i = 0; i < count; i++) a[i] = (long)r.U64(key); return a; }
            case GgufValueType.Float64:
                { var a = new double[count]; for (int i = 0; i < count; i++) a[i] = r.F64(key); return a; }
            case GgufValueType.String:
            {
                var a = new string[count];
                for (int i = 0; i < count; i++) a[i] = ReadString(r, $"element {i} of '{key}'");
                return a;
            }
            default:
            {
                var a = new object[count];
                for (int i = 0; i < count; i++)
                {
                    long at = r.Position;
                    var (v, _) = ReadValue(r, et, $"{key}[{i}]", at, depth + 1);
                    a[i] = v;
                }
                return a;
            }
        }
    }

    /// <summary>The metadata value for <paramref name="key"/>, if present.</summary>
    public bool TryGet(string key, out object? value)
    {
        var found = byKey.TryGetValue(key, out var m);
        value = m?.Value;
        return found;
    }

    /// <summary>
    /// The value of a metadata key, converted to <typeparamref name="T"/> (any integer type widens to long/int).
    /// </summary>
    public T Get<T>(string key) =>
        TryGet(key, out var v)
            ? Convert<T>(v!, key)
            : throw new KeyNotFoundException($"{Path}: no metadata key '{key}'");

    /// <summary>The value of a metadata key, or <paramref name="fallback"/> when absent.</summary>
    public T GetOrDefault<T>(string key, T fallback) => TryGet(key, out var v) ? Convert<T>(v!, key) : fallback;

    T Convert<T>(object v, string key)
    {
        if (v is T t) return t;
        try { return (T)System.Convert.ChangeType(v, typeof(T), System.Globalization.CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
        { throw new InvalidDataException($"{Path}: metadata '{key}' is {v.GetType().Name}, not {typeof(T).Name}"); }
    }

    /// <summary>The tensor info named <paramref name="name"/>.</summary>
    public GgufTensorInfo Tensor(string name) =>
        tensorsByName.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"{Path}: no tensor '{name}'");

    /// <summary>The raw bytes of a tensor as stored.</summary>
    public byte[] ReadBytes(GgufTensorInfo info)
    {
        var bytes = new byte[info.ByteLength];
        int n = RandomAccess.Read(handle, bytes, info.FileOffset);
        if (n != bytes.Length)
            throw new InvalidDataException(
                $"{Path}: tensor '{info.Name}' data ends early (byte offset {info.FileOffset + n})");
        return bytes;
    }

    /// <summary>
    /// The tensor's values as float32 in ggml order (ne0 fastest), dequantised from F16/BF16/Q8_0/Q4_0.
    /// </summary>
    public float[] ReadFloats(GgufTensorInfo info)
    {
        if (!GgmlTypes.CanDequantize(info.Type))
            throw new NotSupportedException($"{Path}: tensor '{info.Name}' is {info.Type}; "
                + "only F32, F16, BF16, Q8_0 and Q4_0 are dequantised");
        return Dequantize.ToFloat32(ReadBytes(info), info.Type, info.ElementCount);
    }

    /// <summary>The named tensor as a float32 torch tensor in PyTorch shape (ggml dimensions reversed).</summary>
    public Tensor ReadTensor(string name)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        var info = Tensor(name);
        return torch.tensor(ReadFloats(info), info.TorchShape);
    }

    /// <summary>True when two tensors have the same type, shape and bytes (compared in chunks, e.g. a duplicated
    /// output.weight that is really the tied token embedding).</summary>
    public bool SameData(string a, string b)
    {
        var ta = Tensor(a);
        var tb = Tensor(b);
        if (ta.Type != tb.Type || !ta.Dimensions.SequenceEqual(tb.Dimensions)) return false;
        var bufA = new byte[1 << 20];
        var bufB = new byte[1 << 20];
        for (long done = 0; done < ta.ByteLength;)
        {
            int n = (int)Math.Min(bufA.Length, ta.ByteLength - done);
            RandomAccess.Read(handle, bufA.AsSpan(0, n), ta.FileOffset + done);
            RandomAccess.Read(handle, bufB.AsSpan(0, n), tb.FileOffset + done);
            if (!bufA.AsSpan(0, n).SequenceEqual(bufB.AsSpan(0, n))) return false;
            done += n;
        }
        return true;
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => handle.Dispose();
}

/// <summary>ggml block formats turned back into float32.</summary>
public static class Dequantize
{
    /// <summary>
    /// Dequantises <paramref name="count"/> values of <paramref name="type"/> from <paramref name="data"/>.
    /// </summary>
    public static float[] ToFloat32(ReadOnlySpan<byte> data, GgmlType type, long count)
    {
        long needed = count / GgmlTypes.BlockSize(type) * GgmlTypes.BlockBytes(type);
        if (count % GgmlTypes.BlockSize(type) != 0 || data.Length < needed)
            throw new InvalidDataException($"{type}: {data.Length} bytes cannot hold {count} values");
        var y = new float[count];
        switch (type)
        {
            case GgmlType.F32:
                for (long i = 0; i < count; i++) y[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(int)(4 * i)..]);
                break;
            case GgmlType.F16:
                for (long i = 0; i < count; i++)
                    y[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(data[(int)(2 * i)..]);
                break;
            case GgmlType.BF16:
                for (long i = 0; i < count; i++)
                    y[i] = BFloat16ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(data[(int)(2 * i)..]));
                break;
            case GgmlType.Q8_0:
                // block: f16 scale d, then 32 int8 quants; x = d * q
                for (long b = 0; b < count / 32; b++)
                {
                    var block = data.Slice((int)(b * 34), 34);
                    float d = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
                    for (int j = 0; j < 32; j++) y[b * 32 + j] = d * (sbyte)block[2 + j];
                }
                break;
            case GgmlType.Q4_0:
                // block: f16 scale d, then 16 bytes; low nibbles are values 0..15, high nibbles values 16..31;
                // x = d * (q - 8)
                for (long b = 0; b < count / 32; b++)
                {
                    var block = data.Slice((int)(b * 18), 18);
                    float d = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
                    for (int j = 0; j < 16; j++)
                    {
                        byte q = block[2 + j];
                        y[b * 32 + j] = d * ((q & 0x0F) - 8);
                        y[b * 32 + j + 16] = d * ((q >> 4) - 8);
                    }
                }
                break;
            default:
                throw new NotSupportedException($"dequantising {type} is not implemented");
        }
        return y;
    }

    /// <summary>bfloat16 is the top half of a float32.</summary>
    public static float BFloat16ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);
}
