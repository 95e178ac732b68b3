using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Weights;

/// <summary>ONNX tensor element types (TensorProto.DataType in onnx.proto).</summary>
public enum OnnxDataType
{
    /// <summary>Not set.</summary>
    Undefined = 0,
    /// <summary>float32.</summary>
    Float = 1,
    /// <summary>uint8.</summary>
    UInt8 = 2,
    /// <summary>int8.</summary>
    Int8 = 3,
    /// <summary>uint16.</summary>
    UInt16 = 4,
    /// <summary>int16.</summary>
    Int16 = 5,
    /// <summary>int32.</summary>
    Int32 = 6,
    /// <summary>int64.</summary>
    Int64 = 7,
    /// <summary>UTF-8 strings.</summary>
    String = 8,
    /// <summary>bool (one byte).</summary>
    Bool = 9,
    /// <summary>float16.</summary>
    Float16 = 10,
    /// <summary>float64.</summary>
    Double = 11,
    /// <summary>uint32.</summary>
    UInt32 = 12,
    /// <summary>uint64.</summary>
    UInt64 = 13,
    /// <summary>bfloat16.</summary>
    BFloat16 = 16,
}

/// <summary>Where an initializer's values sit in the file: raw little-endian bytes (raw_data, or packed float_data /
/// double_data, which have the same layout) or packed varints (int32_data, int64_data).</summary>
public enum OnnxStorage
{
    /// <summary>Little-endian values, elements × element size bytes.</summary>
    Raw,
    /// <summary>Protobuf varints (int64_data or int32_data), decoded when read.</summary>
    Varints,
}

/// <summary>One tensor of an ONNX file (an initializer, or a Constant node's value): name, element type, ONNX dims and
/// the byte range of its values in the file, checked against the file and against dims × element size when
/// read.</summary>
public sealed record OnnxTensorInfo(string Name, OnnxDataType DataType, long[] Dims, OnnxStorage Storage,
    long DataOffset, long ByteLength)
{
    /// <summary>Number of elements (product of the dims; 1 for a scalar).</summary>
    public long ElementCount => Dims.Aggregate(1L, (a, b) => a * b);

    /// <summary>Bytes per element of <paramref name="type"/>, or null when it has no fixed size.</summary>
    public static int? ElementSize(OnnxDataType type) => type switch
    {
        OnnxDataType.Double or OnnxDataType.Int64 or OnnxDataType.UInt64 => 8,
        OnnxDataType.Float or OnnxDataType.Int32 or OnnxDataType.UInt32 => 4,
        OnnxDataType.Float16 or OnnxDataType.BFloat16 or OnnxDataType.Int16 or OnnxDataType.UInt16 => 2,
        OnnxDataType.UInt8 or OnnxDataType.Int8 or OnnxDataType.Bool => 1,
        _ => null,
    };
}

/// <summary>A node attribute (AttributeProto): the field that its type uses is set, the others are empty.</summary>
public sealed record OnnxAttribute(string Name, long Type, float F, long I, string S, float[] Floats, long[] Ints,
    OnnxTensorInfo? T)
{
    /// <summary>AttributeProto.AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, GRAPH 5, FLOATS 6, INTS 7, STRINGS
    /// 8.</summary>
    public override string ToString() => Type switch
    {
        1 => $"{Name}={F}",
        2 => $"{Name}={I}",
        3 => $"{Name}='{S}'",
        4 => $"{Name}=tensor {T?.DataType} [{string.Join(",", T?.Dims ?? [])}]",
        6 => $"{Name}=[{string.Join(",", Floats)}]",
        7 => $"{Name}=[{string.Join(",", Ints)}]",
        _ => $"{Name} (type {Type})",
    };
}

/// <summary>One graph node (NodeProto): operator, input and output value names, attributes.</summary>
public sealed record OnnxNode(string Name, string OpType, string Domain, IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs, IReadOnlyDictionary<string, OnnxAttribute> Attributes)
{
    /// <summary>The integer list attribute <paramref name="name"/>, or <paramref name="fallback"/> when
    /// absent.</summary>
    public long[] Ints(string name, long[]? fallback = null) =>
        Attributes.TryGetValue(name, out var a) ? a.Ints : fallback ?? [];
    /// <summary>The integer attribute <paramref name="name"/>, or <paramref name="fallback"/> when absent.</summary>
    public long Int(string name, long fallback = 0) => Attributes.TryGetValue(name, out var a) ? a.I : fallback;
    /// <summary>The float attribute <paramref name="name"/>, or <paramref name="fallback"/> when absent.</summary>
    public float Float(string name, float fallback = 0) => Attributes.TryGetValue(name, out var a) ? a.F : fallback;

    /// <inheritdoc/>
    public override string ToString() =>
        $"{OpType}({string.Join(", ", Inputs)}) -> {string.Join(", ", Outputs)} {string.Join(" ", Attributes.Values)}";
}

/// <summary>A graph input or output (ValueInfoProto): name, element type, dims (-1 where symbolic) and dim
/// names.</summary>
public sealed record OnnxValueInfo(string Name, OnnxDataType ElementType, long[] Dims, string[] DimNames);

/// <summary> An ONNX model file (onnx.proto, protocol buffers): the graph's nodes, inputs, outputs and initializers,
/// read by a small protobuf reader that checks every length, count and offset against the enclosing message and the
/// file before allocating, so a truncated or lying file ends in an <see cref="InvalidDataException"/> naming the file
/// and the byte offset. Tensor values stay on disk until <see cref="ReadTensor(string)"/>; the file can also be a byte
/// range of another file (a manifest resource inside a NuGet package's DLL, see <see cref="NuGetPackages"/>).
/// </summary>
public sealed class OnnxFile : IDisposable
{
    const int MaxDims = 32;
    const int MaxDepth = 16;
    readonly SafeFileHandle handle;
    readonly Dictionary<string, OnnxTensorInfo> initializersByName;

    OnnxFile(string path, SafeFileHandle handle, long start, long length)
    {
        Path = path; this.handle = handle; Start = start; Length = length;
        initializersByName = [];
    }

    /// <summary>The file read (for a resource: the DLL that holds it).</summary>
    public string Path { get; }
    /// <summary>Byte offset of the ONNX model inside <see cref="Path"/> (0 for a plain .onnx file).</summary>
    public long Start { get; }
    /// <summary>Bytes of the ONNX model.</summary>
    public long Length { get; }
    /// <summary>ModelProto.ir_version.</summary>
    public long IrVersion { get; private set; }
    /// <summary>The tool that wrote the file (producer_name and producer_version), e.g. "pytorch 1.10".</summary>
    public string Producer { get; private set; } = "";
    /// <summary>Operator set versions by domain ("" is the default ONNX domain).</summary>
    public IReadOnlyDictionary<string, long> Opsets { get; private set; } = new Dictionary<string, long>();
    /// <summary>The graph's nodes in file order (ONNX requires topological order).</summary>
    public IReadOnlyList<OnnxNode> Nodes { get; private set; } = [];
    /// <summary>The initializers (named weights) in file order.</summary>
    public IReadOnlyList<OnnxTensorInfo> Initializers { get; private set; } = [];
    /// <summary>The graph inputs (initializers excluded).</summary>
    public IReadOnlyList<OnnxValueInfo> Inputs { get; private set; } = [];
    /// <summary>The graph outputs.</summary>
    public IReadOnlyList<OnnxValueInfo> Outputs { get; private set; } = [];

    /// <summary>Opens a .onnx file and reads its graph.</summary>
    public static OnnxFile Open(string path) => Open(path, 0, null);

    /// <summary>Reads the ONNX model stored in bytes [<paramref name="start"/>, start + <paramref name="length"/>) of
    /// <paramref name="path"/> (the whole file when length is null).</summary>
    public static OnnxFile Open(string path, long start, long? length)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            long fileLength = RandomAccess.GetLength(handle);
            long n = length ?? fileLength - start;
            if (start < 0 || n < 0 || start > fileLength || n > fileLength - start)
                throw new InvalidDataException(
                    $"{path}: the model's {n} bytes at {start} lie outside the {fileLength}-byte file " +
                    $"(byte offset {start})");
            var file = new OnnxFile(path, handle, start, n);
            file.Parse(new BoundedReader(handle, path, start + n) { Position = start });
            return file;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The initializer <paramref name="name"/>, or null.</summary>
    public OnnxTensorInfo? Initializer(string name) => initializersByName.GetValueOrDefault(name);

    /// <summary>The nodes that read value <paramref name="name"/>.</summary>
    public IEnumerable<OnnxNode> Consumers(string name) => Nodes.Where(n => n.Inputs.Contains(name));

    /// <summary>The node that writes value <paramref name="name"/>, or null (a graph input or initializer).</summary>
    public OnnxNode? ProducerOf(string name) => Nodes.FirstOrDefault(n => n.Outputs.Contains(name));

    /// <summary>Reads initializer <paramref name="name"/> as a tensor of its own type and ONNX shape.</summary>
    public Tensor ReadTensor(string name) =>
        ReadTensor(Initializer(name) ?? throw new KeyNotFoundException($"{Path}: no initializer named '{name}'"));

    /// <summary>Reads <paramref name="info"/>'s values (float, double, int32, int64, uint8, int8, bool, float16,
    /// bfloat16) into a tensor of shape <see cref="OnnxTensorInfo.Dims"/>.</summary>
    public Tensor ReadTensor(OnnxTensorInfo info)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        var r = new BoundedReader(handle, Path, Start + Length) { Position = info.DataOffset };
        long count = info.ElementCount;
        if (info.Storage == OnnxStorage.Varints)
        {
            r.Require(info.ByteLength, $"tensor '{info.Name}' values");
            if (count > info.ByteLength)
                throw r.Error($"tensor '{info.Name}' has {count} elements but {info.ByteLength} bytes of varints");
            var values = new long[count];
            long end = info.DataOffset + info.ByteLength;
            for (long i = 0; i < count; i++)
            {
                if (r.Position >= end) throw r.Error($"tensor '{info.Name}': {i} of {count} values present");
                values[i] = (long)ReadVarint(r, end, "value");
            }
            if (r.Position != end) throw r.Error($"tensor '{info.Name}': more values than its {count} elements");
            var t = torch.tensor(values, info.Dims);
            return info.DataType == OnnxDataType.Int32 ? t.to(ScalarType.Int32) : t;
        }
        var type = info.DataType switch
        {
            OnnxDataType.Float => ScalarType.Float32,
            OnnxDataType.Double => ScalarType.Float64,
            OnnxDataType.Int32 => ScalarType.Int32,
            OnnxDataType.Int64 => ScalarType.Int64,
            OnnxDataType.UInt8 => ScalarType.Byte,
            OnnxDataType.Int8 => ScalarType.Int8,
            OnnxDataType.Bool => ScalarType.Bool,
            OnnxDataType.Float16 => ScalarType.Float16,
            OnnxDataType.BFloat16 => ScalarType.BFloat16,
            OnnxDataType.Int16 => ScalarType.Int16,
            _ => throw new NotSupportedException(
                $"{Path}: tensor '{info.Name}' has element type {info.DataType}, not supported"),
        };
        long bytes = checked(count * OnnxTensorInfo.ElementSize(info.DataType)!.Value);
        if (bytes != info.ByteLength)
            throw r.Error($"tensor '{info.Name}' holds {info.ByteLength} bytes but its dims " +
                          $"[{string.Join(", ", info.Dims)}] × " +
                          $"{OnnxTensorInfo.ElementSize(info.DataType)} bytes need {bytes}");
        r.Require(bytes, $"tensor '{info.Name}' values");
        if (bytes > Array.MaxLength) throw r.Error($"tensor '{info.Name}' ({bytes} bytes) is too large to read");
        var data = new byte[bytes];
        int got = RandomAccess.Read(handle, data, info.DataOffset);
        if (got != bytes) throw r.Error($"tensor '{info.Name}': the file ended after {got} of {bytes} bytes");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX tensors are little-endian");
        var result = torch.empty(info.Dims, type);
        data.CopyTo(result.bytes);
        return result;
    }

    /// <summary>The initializers as named tensors (ONNX names and shapes), for <c>StateDict</c> style
    /// loading.</summary>
    public IEnumerable<(string Name, long[] Shape)> Entries => Initializers.Select(i => (i.Name, i.Dims));

    /// <inheritdoc/>
    public void Dispose() => handle.Dispose();

    // ---------------------------------------------------------------- protobuf

    static ulong ReadVarint(BoundedReader r, long end, string what)
    {
        long at = r.Position;
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (r.Position >= end) throw r.Error($"{what}: a varint runs past the end of its message at {end}", at);
            byte b = r.U8(what);
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw r.Error($"{what}: a varint is longer than 10 bytes", at);
    }

    /// <summary>Reads a length prefix and checks that the bytes it announces lie inside the enclosing
    /// message.</summary>
    static long ReadLength(BoundedReader r, long end, string what)
    {
        long at = r.Position;
        ulong n = ReadVarint(r, end, what);
        if (n > (ulong)(end - r.Position))
            throw r.Error($"{what} claims {n} bytes but its enclosing message has only {end - r.Position} left", at);
        return (long)n;
    }

    /// <summary>The end of a field whose length prefix was just read (the bytes start at the current
    /// position).</summary>
    static long End(BoundedReader r, long length) => r.Position + length;

    static string ReadString(BoundedReader r, long end, string what) => r.Utf8(ReadLength(r, end, what), what);

    /// <summary>An integer field (wire type 0).</summary>
    static long Int(BoundedReader r, int wire, long end, string what)
    {
        Expect(r, wire, 0, what);
        return (long)ReadVarint(r, end, what);
    }

    /// <summary>A string field (wire type 2).</summary>
    static string Text(BoundedReader r, int wire, long end, string what)
    {
        Expect(r, wire, 2, what);
        return ReadString(r, end, what);
    }

    static void Skip(BoundedReader r, int wireType, long end, string what)
    {
        long at = r.Position;
        long n = wireType switch
        {
            0 => -1,
            1 => 8,
            2 => ReadLength(r, end, what),
            5 => 4,
            _ => throw r.Error($"{what}: wire type {wireType} is not valid here", at),
        };
        if (n < 0) { ReadVarint(r, end, what); return; }
        if (n > end - r.Position) throw r.Error($"{what}: a {n}-byte field runs past its message's end at {end}", at);
        r.Position += n;
    }

    /// <summary>Reads fields of the message in [r.Position, end) until end, calling <paramref name="field"/> with
    /// (field number, wire type); a handler that does not consume its field returns false and the field is
    /// skipped.</summary>
    static void Message(BoundedReader r, long end, string what, Func<int, int, bool> field)
    {
        while (r.Position < end)
        {
            long at = r.Position;
            ulong tag = ReadVarint(r, end, what);
            int number = (int)Math.Min(tag >> 3, int.MaxValue), wire = (int)(tag & 7);
            if (number == 0) throw r.Error($"{what}: field number 0 is not valid", at);
            if (!field(number, wire)) Skip(r, wire, end, $"{what} field {number}");
        }
        if (r.Position != end) throw r.Error($"{what}: the last field overran the message end at {end}");
    }

    static void Expect(BoundedReader r, int wire, int expected, string what)
    {
        if (wire != expected) throw r.Error($"{what} has wire type {wire}, expected {expected}");
    }

    void Parse(BoundedReader r)
    {
        long end = Start + Length;
        string producer = "", producerVersion = "";
        var opsets = new Dictionary<string, long>();
        bool sawGraph = false;
        Message(r, end, "ModelProto", (f, w) =>
        {
            switch (f)
            {
                case 1: IrVersion = Int(r, w, end, "ir_version"); return true;
                case 2: producer = Text(r, w, end, "producer_name"); return true;
                case 3: producerVersion = Text(r, w, end, "producer_version"); return true;
                case 7:
                    Expect(r, w, 2, "graph");
                    long n = ReadLength(r, end, "graph");
                    ParseGraph(r, r.Position + n);
                    sawGraph = true;
                    return true;
                case 8:
                    Expect(r, w, 2, "opset_import");
                    long m = ReadLength(r, end, "opset_import");
                    long mEnd = r.Position + m;
                    string domain = ""; long version = 0;
                    Message(r, mEnd, "OperatorSetIdProto", (g, gw) =>
                    {
                        if (g == 1) { domain = Text(r, gw, mEnd, "domain"); return true; }
                        if (g == 2) { version = Int(r, gw, mEnd, "version"); return true; }
                        return false;
                    });
                    opsets[domain] = version;
                    return true;
                default: return false;
            }
        });
        if (!sawGraph) throw r.Error("the ModelProto holds no graph (is this an ONNX file?)", Start);
        Producer = $"{producer} {producerVersion}".Trim();
        Opsets = opsets;
    }

    void ParseGraph(BoundedReader r, long end)
    {
        var nodes = new List<OnnxNode>();
        var inits = new List<OnnxTensorInfo>();
        var inputs = new List<OnnxValueInfo>();
        var outputs = new List<OnnxValueInfo>();
        Message(r, end, "GraphProto", (f, w) =>
        {
            if (f is not (1 or 5 or 11 or 12)) return false;
            Expect(r, w, 2, $"GraphProto field {f}");
            long n = ReadLength(r, end, $"GraphProto field {f}");
            long fieldEnd = r.Position + n;
            switch (f)
            {
                case 1: nodes.Add(ParseNode(r, fieldEnd, 0)); break;
                case 5: inits.Add(ParseTensor(r, fieldEnd, "initializer")); break;
                case 11: inputs.Add(ParseValueInfo(r, fieldEnd)); break;
                case 12: outputs.Add(ParseValueInfo(r, fieldEnd)); break;
            }
            return true;
        });
        foreach (var t in inits)
            if (!initializersByName.TryAdd(t.Name, t))
                throw r.Error($"two initializers are named '{t.Name}'", t.DataOffset);
        Nodes = nodes;
        Initializers = inits;
        Inputs = inputs.Where(i => !initializersByName.ContainsKey(i.Name)).ToList();
        Outputs = outputs;
    }

    OnnxNode ParseNode(BoundedReader r, long end, int depth)
    {
        var inputs = new List<string>(); var outputs = new List<string>();
        string name = "", op = "", domain = "";
        var attributes = new Dictionary<string, OnnxAttribute>();
        Message(r, end, "NodeProto", (f, w) =>
        {
            switch (f)
            {
                case 1: inputs.Add(Text(r, w, end, "node input")); return true;
                case 2: outputs.Add(Text(r, w, end, "node output")); return true;
                case 3: name = Text(r, w, end, "node name"); return true;
                case 4: op = Text(r, w, end, "op_type"); return true;
                case 7: domain = Text(r, w, end, "domain"); return true;
                case 5:
                    Expect(r, w, 2, "attribute");
                    long n = ReadLength(r, end, "attribute");
                    var a = ParseAttribute(r, r.Position + n, depth);
                    attributes[a.Name] = a;
                    return true;
                default: return false;
            }
        });
        return new OnnxNode(name, op, domain, inputs, outputs, attributes);
    }

    OnnxAttribute ParseAttribute(BoundedReader r, long end, int depth)
    {
        if (depth > MaxDepth) throw r.Error($"attributes nest deeper than {MaxDepth}");
        string name = "", s = ""; long type = 0, i = 0; float fl = 0;
        var floats = new List<float>(); var ints = new List<long>();
        OnnxTensorInfo? t = null;
        Message(r, end, "AttributeProto", (f, w) =>
        {
            switch (f)
            {
                case 1: name = Text(r, w, end, "attribute name"); return true;
                case 2: Expect(r, w, 5, "attribute f"); fl = r.F32("attribute f"); return true;
                case 3: i = Int(r, w, end, "attribute i"); return true;
                case 4:
                    Expect(r, w, 2, "attribute s");
                    long sn = ReadLength(r, end, "attribute s");
                    s = r.Utf8(sn, "attribute s");
                    return true;
                case 5:
                    Expect(r, w, 2, "attribute t");
                    long tn = ReadLength(r, end, "attribute t");
                    t = ParseTensor(r, r.Position + tn, $"attribute '{name}' tensor");
                    return true;
                case 7:
                    ReadRepeated(r, w, 5, end, "attribute floats", () => floats.Add(r.F32("attribute floats")));
                    return true;
                case 8:
                    ReadRepeated(r, w, 0, end, "attribute ints", e => ints.Add((long)ReadVarint(r, e, "ints")));
                    return true;
                case 20: type = Int(r, w, end, "attribute type"); return true;
                default: return false;
            }
        });
        return new OnnxAttribute(name, type, fl, i, s, floats.ToArray(), ints.ToArray(), t);
    }

    /// <summary>A repeated scalar field, packed (one length-delimited run) or not (one tag per value).</summary>
    static void ReadRepeated(BoundedReader r, int wire, int scalarWire, long end, string what, Action<long> readOne)
    {
        if (wire == scalarWire) { readOne(end); return; }
        Expect(r, wire, 2, what);
        long n = ReadLength(r, end, what);
        long runEnd = r.Position + n;
        if (scalarWire == 5 && n % 4 != 0)
            throw r.Error($"{what}: a packed run of {n} bytes is not a whole number of floats");
        while (r.Position < runEnd) readOne(runEnd);
    }

    static void ReadRepeated(BoundedReader r, int wire, int scalarWire, long end, string what, Action readOne) =>
        ReadRepeated(r, wire, scalarWire, end, what, _ => readOne());

    OnnxTensorInfo ParseTensor(BoundedReader r, long end, string what)
    {
        long at = r.Position;
        var dims = new List<long>();
        int dataType = 0; string name = "";
        long rawOffset = -1, rawLength = 0, floatOffset = -1, floatLength = 0, doubleOffset = -1, doubleLength = 0;
        long varintOffset = -1, varintLength = 0;
        int sources = 0;
        long location = 0;
        Message(r, end, what, (f, w) =>
        {
            switch (f)
            {
                case 1:
                    ReadRepeated(r, w, 0, end, "dims", e =>
                    {
                        long dimAt = r.Position;
                        long d = (long)ReadVarint(r, e, "dims");
                        if (d < 0) throw r.Error($"tensor dim {d} is negative", dimAt);
                        if (dims.Count >= MaxDims) throw r.Error($"tensor has more than {MaxDims} dims", dimAt);
                        dims.Add(d);
                    });
                    return true;
                case 2: dataType = (int)Int(r, w, end, "data_type"); return true;
                case 8: name = Text(r, w, end, "tensor name"); return true;
                case 14: location = Int(r, w, end, "data_location"); return true;
                case 9 or 4 or 10 or 5 or 7:
                    if (w != 2)
                        throw r.Error($"tensor field {f} is stored unpacked (wire type {w}); " +
                                      "only packed values are supported");
                    long n = ReadLength(r, end, $"tensor field {f}");
                    switch (f)
                    {
                        case 9: rawOffset = r.Position; rawLength = n; break;
                        case 4: floatOffset = r.Position; floatLength = n; break;
                        case 10: doubleOffset = r.Position; doubleLength = n; break;
                        default: varintOffset = r.Position; varintLength = n; break;
                    }
                    sources++;
                    r.Position += n;
                    return true;
                default: return false;
            }
        });
        if (location != 0)
            throw r.Error($"tensor '{name}' keeps its data in an external file, which is not supported", at);
        if (sources > 1) throw r.Error($"tensor '{name}' has values in {sources} fields", at);
        var type = (OnnxDataType)dataType;
        long count = 1;
        foreach (var d in dims)
        {
            try { count = checked(count * d); }
            catch (OverflowException)
            {
                throw r.Error($"tensor '{name}': dims [{string.Join(", ", dims)}] overflow", at);
            }
        }
        var (storage, offset, length) = (rawOffset, floatOffset, doubleOffset, varintOffset) switch
        {
            ( >= 0, _, _, _) => (OnnxStorage.Raw, rawOffset, rawLength),
            (_, >= 0, _, _) => (OnnxStorage.Raw, floatOffset, floatLength),
            (_, _, >= 0, _) => (OnnxStorage.Raw, doubleOffset, doubleLength),
            (_, _, _, >= 0) => (OnnxStorage.Varints, varintOffset, varintLength),
            _ => (OnnxStorage.Raw, r.Position, 0L),
        };
        var info = new OnnxTensorInfo(name, type, dims.ToArray(), storage, offset, length);
        if (floatOffset >= 0 && type != OnnxDataType.Float)
            throw r.Error($"tensor '{name}': float_data of type {type} is not supported", floatOffset);
        if (varintOffset >= 0 && type is not (OnnxDataType.Int64 or OnnxDataType.Int32))
            throw r.Error($"tensor '{name}': varint data of type {type} is not supported", varintOffset);
        if (info.Storage == OnnxStorage.Raw && OnnxTensorInfo.ElementSize(type) is { } size)
        {
            // The check that keeps a lying header from allocating: the bytes present must equal dims × element size.
            if (count > info.ByteLength / size || count * size != info.ByteLength)
                throw r.Error($"tensor '{name}' ({type}, dims [{string.Join(", ", dims)}]) needs " +
                              $"{(double)count * size:0} bytes but stores {info.ByteLength}", info.DataOffset);
        }
        else if (info.Storage == OnnxStorage.Varints && count > info.ByteLength)
            throw r.Error($"tensor '{name}' (dims [{string.Join(", ", dims)}]) claims {count} values in " +
                          $"{info.ByteLength} bytes", info.DataOffset);
        return info;
    }

    OnnxValueInfo ParseValueInfo(BoundedReader r, long end)
    {
        string name = ""; int elem = 0;
        var dims = new List<long>(); var dimNames = new List<string>();
        Message(r, end, "ValueInfoProto", (f, w) =>
        {
            if (f == 1) { name = Text(r, w, end, "value name"); return true; }
            if (f != 2) return false;
            Expect(r, w, 2, "TypeProto");
            long typeEnd = End(r, ReadLength(r, end, "TypeProto"));
            Message(r, typeEnd, "TypeProto", (g, gw) =>
            {
                if (g != 1) return false;   // only tensor types
                Expect(r, gw, 2, "tensor_type");
                long tEnd = End(r, ReadLength(r, typeEnd, "tensor_type"));
                Message(r, tEnd, "TypeProto.Tensor", (h, hw) =>
                {
                    if (h == 1) { elem = (int)Int(r, hw, tEnd, "elem_type"); return true; }
                    if (h != 2) return false;
                    Expect(r, hw, 2, "shape");
                    long sEnd = End(r, ReadLength(r, tEnd, "shape"));
                    Message(r, sEnd, "TensorShapeProto", (k, kw) =>
                    {
                        if (k != 1) return false;
                        Expect(r, kw, 2, "dim");
                        long dEnd = End(r, ReadLength(r, sEnd, "dim"));
                        long value = -1; string param = "";
                        Message(r, dEnd, "Dimension", (m, mw) =>
                        {
                            if (m == 1) { value = Int(r, mw, dEnd, "dim_value"); return true; }
                            if (m == 2) { param = Text(r, mw, dEnd, "dim_param"); return true; }
                            return false;
                        });
                        if (dims.Count >= MaxDims) throw r.Error($"value '{name}' has more than {MaxDims} dims");
                        dims.Add(value); dimNames.Add(param);
                        return true;
                    });
                    return true;
                });
                return true;
            });
            return true;
        });
        return new OnnxValueInfo(name, (OnnxDataType)elem, dims.ToArray(), dimNames.ToArray());
    }
}
