using System.Buffers.Binary;
using System.Text;
using CourseWorkbook.Runtime;
using CourseWorkbook.Weights;

namespace CourseWorkbook.Tests.Weights;

/// <summary>Writes small GGUF v3 files for tests.</summary>
sealed class GgufBuilder
{
    readonly List<(string Key, Action<BinaryWriter> Write)> kv = [];
    readonly List<(string Name, long[] Dims, GgmlType Type, byte[] Data)> tensors = [];

    public GgufBuilder String(string key, string value) { kv.Add((key, w => { w.Write(8u); Str(w, value); })); return this; }
    public GgufBuilder UInt32(string key, uint value) { kv.Add((key, w => { w.Write(4u); w.Write(value); })); return this; }
    public GgufBuilder Floats(string key, float[] values) { kv.Add((key, w => { w.Write(9u); w.Write(6u); w.Write((ulong)values.Length); foreach (var v in values) w.Write(v); })); return this; }
    public GgufBuilder Strings(string key, string[] values) { kv.Add((key, w => { w.Write(9u); w.Write(8u); w.Write((ulong)values.Length); foreach (var v in values) Str(w, v); })); return this; }
    public GgufBuilder Tensor(string name, GgmlType type, byte[] data, params long[] dims) { tensors.Add((name, dims, type, data)); return this; }

    static void Str(BinaryWriter w, string s) { var b = Encoding.UTF8.GetBytes(s); w.Write((ulong)b.Length); w.Write(b); }

    public byte[] Build()
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        w.Write(GgufFile.Magic); w.Write(3u); w.Write((ulong)tensors.Count); w.Write((ulong)kv.Count);
        foreach (var (key, write) in kv) { Str(w, key); write(w); }
        long offset = 0;
        foreach (var t in tensors)
        {
            Str(w, t.Name); w.Write((uint)t.Dims.Length);
            foreach (var d in t.Dims) w.Write((ulong)d);
            w.Write((uint)t.Type); w.Write((ulong)offset);
            offset += (t.Data.Length + 31) / 32 * 32;
        }
        while (ms.Position % 32 != 0) w.Write((byte)0);
        foreach (var t in tensors) { w.Write(t.Data); while (ms.Position % 32 != 0) w.Write((byte)0); }
        return ms.ToArray();
    }
}

public class GgufTests
{
    static string Temp(byte[] bytes)
    {
        var p = Path.Combine(Path.GetTempPath(), $"cw-{Guid.NewGuid():N}.gguf");
        File.WriteAllBytes(p, bytes);
        return p;
    }

    static byte[] Half(float v) { var b = new byte[2]; BinaryPrimitives.WriteHalfLittleEndian(b, (Half)v); return b; }

    [SharedModelFact(SharedModels.Stories)]
    public void Stories260K_header_tensors_and_metadata_are_read()
    {
        using var g = GgufFile.Open(SharedModels.Path(SharedModels.Stories));
        Assert.Equal(3u, g.Version);
        Assert.Equal(19, g.Metadata.Count);
        Assert.Equal(48, g.Tensors.Count);
        Assert.Equal("llama", g.Architecture);
        Assert.Equal(32, g.Alignment);
        Assert.Equal(292_800, g.Tensors.Sum(t => t.ElementCount));
        Assert.All(g.Tensors, t => Assert.Equal(GgmlType.F32, t.Type));
        Assert.Equal(new long[] { 512, 64 }, g.Tensor("token_embd.weight").TorchShape);
        Assert.Equal(new long[] { 64, 172 }, g.Tensor("blk.0.ffn_down.weight").TorchShape);
        Assert.Equal(4L, g.Get<long>("llama.attention.head_count_kv"));
        Assert.Equal(512, ((string[])g.Metadata.Single(m => m.Key == "tokenizer.ggml.tokens").Value).Length);
        Assert.True(g.SameData("output.weight", "token_embd.weight"));
    }

    [SharedModelFact("llamacpp-vocab/ggml-vocab-llama-spm.gguf", "llamacpp-vocab/ggml-vocab-gpt-2.gguf", "llamacpp-vocab/ggml-vocab-bert-bge.gguf")]
    public void Vocab_only_files_parse_with_all_their_metadata()
    {
        foreach (var (name, kvCount, tokens) in new[] { ("llama-spm", 22, 32000), ("gpt-2", 16, 50257), ("bert-bge", 20, 30522) })
        {
            using var g = GgufFile.Open(SharedModels.Path($"llamacpp-vocab/ggml-vocab-{name}.gguf"));
            Assert.Equal(kvCount, g.Metadata.Count);
            Assert.Empty(g.Tensors);
            Assert.Equal(tokens, ((string[])g.Metadata.Single(m => m.Key == "tokenizer.ggml.tokens").Value).Length);
        }
    }

    [Fact]
    public void Q8_0_and_Q4_0_blocks_dequantise_to_hand_computed_values()
    {
        // Q8_0: d = 0.5, q_j = j − 16 → x_j = 0.5 (j − 16)
        var q8 = Half(0.5f).Concat(Enumerable.Range(0, 32).Select(j => (byte)(sbyte)(j - 16))).ToArray();
        // Q4_0: d = 2, byte j = low nibble j, high nibble 15 − j → x_j = 2 (j − 8), x_{j+16} = 2 (7 − j)
        var q4 = Half(2f).Concat(Enumerable.Range(0, 16).Select(j => (byte)(j | (15 - j) << 4))).ToArray();
        var path = Temp(new GgufBuilder().String("general.architecture", "test")
            .Tensor("q8", GgmlType.Q8_0, q8, 32).Tensor("q4", GgmlType.Q4_0, q4, 32)
            .Tensor("f16", GgmlType.F16, Half(1.5f).Concat(Half(-2f)).ToArray(), 2).Build());
        try
        {
            using var g = GgufFile.Open(path);
            Assert.Equal(Enumerable.Range(0, 32).Select(j => 0.5f * (j - 16)), g.ReadFloats(g.Tensor("q8")));
            var x4 = g.ReadFloats(g.Tensor("q4"));
            Assert.Equal(Enumerable.Range(0, 16).Select(j => 2f * (j - 8)), x4[..16]);
            Assert.Equal(Enumerable.Range(0, 16).Select(j => 2f * (7 - j)), x4[16..]);
            Assert.Equal([1.5f, -2f], g.ReadFloats(g.Tensor("f16")));
            Assert.Equal(8.5, GgmlTypes.BitsPerWeight(GgmlType.Q8_0));
            Assert.Equal(4.5, GgmlTypes.BitsPerWeight(GgmlType.Q4_0));
            Assert.Equal(144, GgmlTypes.BlockBytes(GgmlType.Q4_K));
        }
        finally { File.Delete(path); }
    }

    static void AssertRejected(byte[] bytes, string messagePart)
    {
        var path = Temp(bytes);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => GgufFile.Open(path).Dispose());
            Assert.Contains(path, e.Message);
            Assert.Contains("byte offset", e.Message);
            Assert.Contains(messagePart, e.Message);
        }
        finally { File.Delete(path); }
    }

    static byte[] Valid() => new GgufBuilder().String("general.architecture", "llama").Floats("scores", [1, 2, 3])
        .Tensor("w", GgmlType.F32, new byte[16], 4).Build();

    [Fact]
    public void Truncated_file_is_rejected_with_file_and_offset()
    {
        var bytes = Valid();
        AssertRejected(bytes[..10], "remain");
        AssertRejected(bytes[..60], "remain");
        AssertRejected(bytes[..^20], "past the end");
    }

    [Fact]
    public void Lying_string_length_is_rejected_before_allocating()
    {
        var bytes = Valid();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(24), ulong.MaxValue / 2); // first key's length
        AssertRejected(bytes, "exceeds");
    }

    [Fact]
    public void Huge_tensor_and_metadata_counts_are_rejected()
    {
        var bytes = Valid();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), 1UL << 40); // tensor count
        AssertRejected(bytes, "tensor count");
        bytes = Valid();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), 1UL << 40); // metadata count
        AssertRejected(bytes, "metadata count");
    }

    [Fact]
    public void Huge_array_count_is_rejected()
    {
        var bytes = new GgufBuilder().Floats("scores", [1, 2, 3]).Build();
        // header 24 + key (8 + 6) + type 4 + element type 4 → count at 46
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(46), 1UL << 50);
        AssertRejected(bytes, "array 'scores' claims");
    }

    [Fact]
    public void An_array_longer_than_any_real_vocabulary_is_refused_even_when_the_file_holds_it()
    {
        long n = GgufFile.MaxArrayLength + 1;
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(GgufFile.Magic); w.Write(3u); w.Write(0UL); w.Write(1UL);
            var key = Encoding.UTF8.GetBytes("big");
            w.Write((ulong)key.Length); w.Write(key);
            w.Write(9u); w.Write(0u); w.Write((ulong)n); // an array of n uint8, all present
            w.Write(new byte[n]);
        }

        AssertRejected(ms.ToArray(), $"array 'big' claims {n} items; a metadata array holds at most {GgufFile.MaxArrayLength}");
    }

    [Fact]
    public void Bad_magic_version_dimensions_and_types_are_rejected()
    {
        var bytes = Valid(); bytes[0] = (byte)'X';
        AssertRejected(bytes, "not a GGUF file");
        bytes = Valid(); bytes[4] = 7;
        AssertRejected(bytes, "version 7");
        var unknownType = new GgufBuilder().Tensor("w", (GgmlType)77, new byte[16], 4).Build();
        AssertRejected(unknownType, "unknown ggml type 77");
        var tooBig = new GgufBuilder().Tensor("w", GgmlType.F32, new byte[16], 1L << 40, 1L << 20).Build();
        AssertRejected(tooBig, "more than the whole file");
        var partialBlock = new GgufBuilder().Tensor("w", GgmlType.Q8_0, new byte[34], 20).Build();
        AssertRejected(partialBlock, "not a multiple");
    }
}
