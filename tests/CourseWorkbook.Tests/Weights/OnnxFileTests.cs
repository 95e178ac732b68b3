using CourseWorkbook.Weights;
using static CourseWorkbook.Tests.Weights.Proto;

namespace CourseWorkbook.Tests.Weights;

public class OnnxFileTests : TorchTest
{
    static readonly float[] W = [1f, -2f, 3.5f, 0.25f, 5f, -6f];

    static byte[] TinyModel(byte[]? weight = null) => Model(
        [Node("MatMul", ["x", "w"], ["h"]), Node("Reshape", ["h", "shape"], ["y"], IntsAttribute("perm", [1, 0])),
         Node("Add", ["y", "b"], ["z"])],
        [weight ?? FloatTensor("w", [3, 2], W), Int64Tensor("shape", [2], [2, -1]),
         FloatTensor("b", [2], [0.5f, -0.5f], rawData: false)]);

    static string Write(byte[] bytes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"cw-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    static InvalidDataException Rejected(byte[] bytes, string messagePart)
    {
        var path = Write(bytes);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => OnnxFile.Open(path).Dispose());
            Assert.Contains(path, e.Message);
            Assert.Contains("byte offset", e.Message);
            Assert.Contains(messagePart, e.Message);
            return e;
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Reads_nodes_attributes_and_raw_float_data_and_int64_initializers()
    {
        var path = Write(TinyModel());
        try
        {
            using var f = OnnxFile.Open(path);
            Assert.Equal("test", f.Producer);
            Assert.Equal(13, f.Opsets[""]);
            Assert.Equal(["MatMul", "Reshape", "Add"], f.Nodes.Select(n => n.OpType));
            Assert.Equal(["x", "w"], f.Nodes[0].Inputs);
            Assert.Equal([1L, 0L], f.Nodes[1].Ints("perm"));
            Assert.Equal(["w", "shape", "b"], f.Initializers.Select(i => i.Name));
            Assert.Equal("x", Assert.Single(f.Inputs).Name);
            Assert.Equal([2L, 3L], f.Inputs[0].Dims);
            using var w = f.ReadTensor("w");
            Assert.Equal([3L, 2L], w.shape);
            Assert.Equal(W, w.data<float>().ToArray());
            using var shape = f.ReadTensor("shape");
            Assert.Equal([2L, -1L], shape.data<long>().ToArray());
            using var b = f.ReadTensor("b");
            Assert.Equal([0.5f, -0.5f], b.data<float>().ToArray());
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Agrees_with_OnnxSharp_generated_parser_on_the_tiny_model()
    {
        var bytes = TinyModel();
        var reference = Onnx.ModelProto.Parser.ParseFrom(bytes);
        var path = Write(bytes);
        try
        {
            using var f = OnnxFile.Open(path);
            Assert.Equal(reference.Graph.Node.Select(n => n.OpType), f.Nodes.Select(n => n.OpType));
            Assert.Equal(reference.Graph.Initializer.Select(i => i.Name), f.Initializers.Select(i => i.Name));
            Assert.Equal(reference.Graph.Initializer.Select(i => string.Join(",", i.Dims)),
                f.Initializers.Select(i => string.Join(",", i.Dims)));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_truncated_file_is_refused_naming_the_file_and_offset()
    {
        var bytes = TinyModel();
        foreach (int keep in new[] { bytes.Length - 1, bytes.Length / 2, 3 })
            Rejected(bytes[..keep], "");
    }

    [Fact]
    public void A_length_prefix_larger_than_its_message_is_refused()
    {
        // The raw_data field of "w" claims 1,000,000 bytes; the file holds 24.
        var lying = Cat(PackedVarints(1, [3, 2]), Int(2, 1), Str(8, "w"), Tag(9, 2), Varint(1_000_000),
            W.SelectMany(BitConverter.GetBytes).ToArray());
        var e = Rejected(TinyModel(lying), "claims 1000000 bytes");
        Assert.Contains("raw_data", e.Message.Replace("tensor field 9", "raw_data"));
    }

    [Fact]
    public void Dims_that_do_not_match_the_stored_bytes_are_refused_before_allocating()
    {
        Rejected(TinyModel(FloatTensor("w", [100_000, 100_000], W)), "needs 40000000000 bytes but stores 24");
        Rejected(TinyModel(FloatTensor("w", [1L << 40, 1L << 40], W)), "overflow");
        var negativeDim = Cat(Tag(1, 0), Varint(unchecked((ulong)-3L)), Int(2, 1), Str(8, "w"), Bytes(9, new byte[24]));
        Rejected(TinyModel(negativeDim), "negative");
    }

    [Fact]
    public void Every_single_byte_corruption_is_read_or_refused_with_a_clear_error()
    {
        var bytes = TinyModel();
        var path = Path.Combine(Path.GetTempPath(), $"cw-{Guid.NewGuid():N}.onnx");
        try
        {
            for (int i = 0; i < bytes.Length; i++)
                foreach (byte value in new byte[] { 0x00, 0xFF, (byte)(bytes[i] ^ 0x01), 0x80 })
                {
                    var corrupt = (byte[])bytes.Clone();
                    corrupt[i] = value;
                    File.WriteAllBytes(path, corrupt);
                    try
                    {
                        using var f = OnnxFile.Open(path);
                        foreach (var init in f.Initializers) f.ReadTensor(init).Dispose();
                    }
                    catch (InvalidDataException e) { Assert.Contains("byte offset", e.Message); }
                    catch (NotSupportedException e) { Assert.Contains(path, e.Message); }
                }
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_file_that_is_not_onnx_is_refused()
    {
        Rejected("hello, this is not a protobuf file"u8.ToArray(), "");
        Rejected(Cat(Int(1, 7)), "no graph");
    }

    [PackagedFact(OnnxTestFiles.MiniLm)]
    public void Agrees_with_OnnxSharp_on_the_packaged_MiniLM_graph()
    {
        var lookup = OnnxTestFiles.Locate(OnnxTestFiles.MiniLm);
        var reference = Onnx.ModelProto.Parser.ParseFrom(lookup.ReadAllBytes());
        using var f = lookup.OpenOnnx();
        static string Node(string op, IEnumerable<string> inputs, IEnumerable<string> outputs) =>
            $"{op}({string.Join(",", inputs)})->{string.Join(",", outputs)}";
        static string Tensor(string name, int type, IEnumerable<long> dims, long bytes) =>
            $"{name}:{type}:{string.Join(",", dims)}:{bytes}";
        Assert.Equal(reference.Graph.Node.Select(n => Node(n.OpType, n.Input, n.Output)),
            f.Nodes.Select(n => Node(n.OpType, n.Inputs, n.Outputs)));
        Assert.Equal(reference.Graph.Initializer.Select(i => Tensor(i.Name, i.DataType, i.Dims, i.RawData.Length)),
            f.Initializers.Select(i => Tensor(i.Name, (int)i.DataType, i.Dims, i.ByteLength)));
        var q = reference.Graph.Initializer.First(i => i.Name == "encoder.layer.3.attention.self.query.bias");
        using var mine = f.ReadTensor(q.Name);
        Assert.Equal(q.RawData.ToByteArray(), mine.bytes.ToArray());
    }

    [PackagedFact(OnnxTestFiles.ResNet18)]
    public void Agrees_with_OnnxSharp_on_the_packaged_ResNet_graph_attributes()
    {
        var lookup = OnnxTestFiles.Locate(OnnxTestFiles.ResNet18);
        var reference = Onnx.ModelProto.Parser.ParseFrom(lookup.ReadAllBytes());
        using var f = lookup.OpenOnnx();
        static string Attribute(string name, float f, long i, IEnumerable<long> ints) =>
            $"{name}={f}/{i}/{string.Join(",", ints)}";
        var expected = reference.Graph.Node.Select(n => n.Attribute.Select(a => Attribute(a.Name, a.F, a.I, a.Ints)));
        var actual = f.Nodes.Select(n => n.Attributes.Values.Select(a => Attribute(a.Name, a.F, a.I, a.Ints)));
        Assert.Equal(expected.Select(a => string.Join(";", a)), actual.Select(a => string.Join(";", a)));
    }
}
