using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Weights;

/// <summary>
/// One tensor entry of a safetensors header: dtype name, shape and absolute byte range in the file.
/// </summary>
public sealed record SafeTensorInfo(string Name, string DType, long[] Shape, long Start, long End)
{
    /// <summary>Bytes of data.</summary>
    public long ByteLength => End - Start;
    /// <summary>Number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// The safetensors format (Hugging Face): 8-byte little-endian header length N, N bytes of JSON
/// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {..}}, then the raw little-endian data.
/// Reading checks the header length against the file size, every offset against the data section, and that each
/// tensor's byte length equals elements × dtype size; data is read with positional reads only when asked for.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    /// <summary>Header JSON larger than this is rejected (the reference implementation uses 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    readonly SafeFileHandle handle;
    readonly Dictionary<string, SafeTensorInfo> byName;

    SafeTensorsFile(string path, SafeFileHandle handle,
        List<SafeTensorInfo> tensors, Dictionary<string, string> metadata, long dataStart)
    {
        Path = path; this.handle = handle; Tensors = tensors; Metadata = metadata; DataStart = dataStart;
        byName = tensors.ToDictionary(t => t.Name);
    }

    /// <summary>The file read.</summary>
    public string Path { get; }
    /// <summary>Tensor entries in header order.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }
    /// <summary>The optional "__metadata__" string map.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
    /// <summary>Absolute offset of the data section (8 + header length).</summary>
    public long DataStart { get; }

    /// <summary>Bytes per element of a safetensors dtype name, or null if unknown.</summary>
    public static int? ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => null,
    };

    /// <summary>Reads and validates the header; data stays on disk until <see cref="ReadTensor"/>.</summary>
    public static SafeTensorsFile Open(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            long length = RandomAccess.GetLength(handle);
            InvalidDataException Bad(string message, long offset) => new($"{path}: {message} (byte offset {offset})");
            if (length < 8) throw Bad($"file is {length} bytes, too short for the 8-byte header length", 0);
            Span<byte> lenBytes = stackalloc byte[8];
            RandomAccess.Read(handle, lenBytes, 0);
            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
            if (n > MaxHeaderBytes) throw Bad($"header length {n} exceeds the {MaxHeaderBytes}-byte limit", 0);
            if (n > (ulong)(length - 8)) throw Bad($"header length {n} exceeds the {length - 8} bytes after it", 0);
            var json = new byte[n];
            RandomAccess.Read(handle, json, 8);
            long dataStart = 8 + (long)n;
            long dataLength = length - dataStart;

            if (FirstInvalidUtf8(json) is { } bad) throw Bad("header is not valid UTF-8", 8 + bad);
            JsonDocument doc;
            try { doc = JsonDocument.Parse(json); }
            catch (JsonException e)
            {
                throw Bad($"header is not valid JSON: {e.Message}", 8 + (e.BytePositionInLine ?? 0));
            }
            using var _ = doc;
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad("header JSON is not an object", 8);

            var tensors = new List<SafeTensorInfo>();
            var metadata = new Dictionary<string, string>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            // Where a tensor's entry starts in the file: the first occurrence of its quoted name in the header.
            long At(string name)
            {
                var quotedName = System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(name));
                return 8 + Math.Max(0, json.AsSpan().IndexOf(quotedName));
            }
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (!names.Add(prop.Name))
                    throw Bad($"tensor '{prop.Name}' appears twice in the header", At(prop.Name));
                if (prop.Name == "__metadata__")
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object) throw Bad("__metadata__ is not an object", 8);
                    foreach (var m in prop.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String
                            ? m.Value.GetString()!
                            : throw Bad($"__metadata__ value '{m.Name}' is not a string", 8);
                    continue;
                }
                var e = prop.Value;
                var at = At(prop.Name);
                if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("dtype", out var dt)
                    || !e.TryGetProperty("shape", out var sh) || !e.TryGetProperty("data_offsets", out var off))
                    throw Bad($"tensor '{prop.Name}' lacks dtype, shape or data_offsets", at);
                if (dt.ValueKind != JsonValueKind.String)
                    throw Bad($"tensor '{prop.Name}' has a dtype that is not a string: {dt}", at);
                string dtype = dt.GetString()!;
                int size = ElementSize(dtype) ?? throw Bad($"tensor '{prop.Name}' has unknown dtype '{dtype}'", at);
                if (sh.ValueKind != JsonValueKind.Array
                    || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2
                    || off.EnumerateArray().Any(o => o.ValueKind != JsonValueKind.Number))
                    throw Bad($"tensor '{prop.Name}': shape must be an array "
                        + "and data_offsets a [begin, end] pair of numbers", at);
                var shape = new long[sh.GetArrayLength()];
                long elements = 1;
                int d = 0;
                foreach (var dim in sh.EnumerateArray())
                {
                    if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long v) || v < 0)
                        throw Bad($"tensor '{prop.Name}' has an invalid dimension {dim}", at);
                    shape[d++] = v;
                    if (v != 0 && elements > long.MaxValue / v)
                        throw Bad($"tensor '{prop.Name}' element count overflows", at);
                    elements *= v;
                }
                if (!off[0].TryGetInt64(out long begin) || !off[1].TryGetInt64(out long end)
                    || begin < 0 || end < begin)
                    throw Bad($"tensor '{prop.Name}' has invalid data_offsets {off}", at);
                if (end > dataLength)
                    throw Bad($"tensor '{prop.Name}' data [{begin}, {end}) "
                        + $"runs past the {dataLength}-byte data section", dataStart + begin);
                if (elements > long.MaxValue / size || elements * size != end - begin)
                    throw Bad($"tensor '{prop.Name}': {dtype} {FormatShape(shape)} needs {elements}×{size} bytes "
                        + $"but data_offsets give {end - begin}", dataStart + begin);
                tensors.Add(new SafeTensorInfo(prop.Name, dtype, shape, dataStart + begin, dataStart + end));
            }
            var sorted = tensors.OrderBy(t => t.Start).ToList();
            for (int i = 1; i < sorted.Count; i++)
                if (sorted[i].Start < sorted[i - 1].End)
                    throw Bad($"tensors '{sorted[i - 1].Name}' and '{sorted[i].Name}' overlap", sorted[i].Start);
            return new SafeTensorsFile(path, handle, tensors, metadata, dataStart);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    static long? FirstInvalidUtf8(byte[] bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return null;
        try
        {
            _ = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetCharCount(bytes);
            return 0;
        }
        catch (System.Text.DecoderFallbackException e)
        {
            return Math.Max(0, e.Index);
        }
    }

    static string FormatShape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>The entry named <paramref name="name"/>.</summary>
    public SafeTensorInfo Info(string name) =>
        byName.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"{Path}: no tensor '{name}'");

    /// <summary>Reads a tensor with its stored dtype (F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL).</summary>
    public Tensor ReadTensor(string name)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        var info = Info(name);
        var t = torch.empty(info.Shape, dtype: ToScalarType(info.DType));
        if (info.ByteLength == 0) return t;
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        stream.Position = info.Start;
        t.ReadBytesFromStream(stream, (int)Math.Min(info.ByteLength, 1 << 20));
        return t;
    }

    /// <summary>The torch dtype of a safetensors dtype name.</summary>
    public static ScalarType ToScalarType(string dtype) => dtype switch
    {
        "F32" => ScalarType.Float32, "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16, "F64" => ScalarType.Float64,
        "I64" => ScalarType.Int64, "I32" => ScalarType.Int32, "I16" => ScalarType.Int16, "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte, "BOOL" => ScalarType.Bool,
        _ => throw new NotSupportedException($"safetensors dtype {dtype} has no TorchSharp equivalent"),
    };

    /// <summary>The safetensors dtype name of a torch dtype.</summary>
    public static string FromScalarType(ScalarType t) => t switch
    {
        ScalarType.Float32 => "F32", ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16", ScalarType.Float64 => "F64",
        ScalarType.Int64 => "I64", ScalarType.Int32 => "I32", ScalarType.Int16 => "I16", ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8", ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"{t} cannot be stored in safetensors here"),
    };

    /// <summary>Reads every tensor into a name → tensor dictionary (a state dict).</summary>
    public Dictionary<string, Tensor> ReadAll() => Tensors.ToDictionary(t => t.Name, t => ReadTensor(t.Name));

    /// <summary>
    /// Writes tensors (in the given order) and optional metadata to <paramref name="path"/> atomically.
    /// </summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.Select(kv => (kv.Key, Tensor: kv.Value.detach().cpu().contiguous())).ToList();
        try
        {
            var header = new Dictionary<string, object>();
            if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
            long offset = 0;
            foreach (var (name, t) in list)
            {
                long bytes = t.numel() * t.ElementSize;
                header[name] = new
                {
                    dtype = FromScalarType(t.dtype),
                    shape = t.shape,
                    data_offsets = new[] { offset, offset + bytes }
                };
                offset += bytes;
            }
            var json = JsonSerializer.SerializeToUtf8Bytes(header);
            int padded = (json.Length + 7) / 8 * 8; // pad with spaces so the data starts 8-byte aligned
            Runtime.AtomicFile.Write(path, s =>
            {
                Span<byte> len = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
                s.Write(len);
                s.Write(json);
                for (int i = json.Length; i < padded; i++) s.WriteByte((byte)' ');
                foreach (var (_, t) in list) if (t.numel() > 0) t.WriteBytesToStream(s, 1 << 20);
            });
        }
        finally
        {
            foreach (var (_, t) in list) t.Dispose();
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => handle.Dispose();
}
