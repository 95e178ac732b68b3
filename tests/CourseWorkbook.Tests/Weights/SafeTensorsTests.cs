using System.Buffers.Binary;
using System.Text;
using CourseWorkbook.Runtime;
using CourseWorkbook.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Weights;

public class SafeTensorsTests
{
    public SafeTensorsTests() => TorchRuntime.EnsureLoaded();

    static string TempPath() => Path.Combine(Path.GetTempPath(), $"cw-{Guid.NewGuid():N}.safetensors");

    [Fact]
    public void F32_F16_and_BF16_tensors_round_trip_with_metadata()
    {
        var path = TempPath();
        try
        {
            var a = torch.arange(6, dtype: ScalarType.Float32).reshape(2, 3);
            var b = torch.tensor(new float[] { 0.5f, -1.25f, 3f }).to(ScalarType.Float16);
            var c = torch.tensor(new float[] { 1f, -2f }).to(ScalarType.BFloat16);
            SafeTensorsFile.Save(path, new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b, ["c"] = c }, new Dictionary<string, string> { ["format"] = "pt" });
            using var f = SafeTensorsFile.Open(path);
            Assert.Equal("pt", f.Metadata["format"]);
            Assert.Equal(0, f.DataStart % 8);
            Assert.Equal(["F32", "F16", "BF16"], f.Tensors.Select(t => t.DType));
            Assert.True(f.ReadTensor("a").eq(a).all().item<bool>());
            var b2 = f.ReadTensor("b");
            Assert.Equal(ScalarType.Float16, b2.dtype);
            Assert.Equal([0.5f, -1.25f, 3f], b2.to(ScalarType.Float32).data<float>().ToArray());
            Assert.Equal([1f, -2f], f.ReadTensor("c").to(ScalarType.Float32).data<float>().ToArray());
        }
        finally { File.Delete(path); }
    }

    static byte[] Make(string json, int dataBytes, ulong? claimedLength = null)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, claimedLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }

    static void AssertRejected(byte[] bytes, string messagePart)
    {
        var path = TempPath();
        File.WriteAllBytes(path, bytes);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(path).Dispose());
            Assert.Contains(path, e.Message);
            Assert.Contains("byte offset", e.Message);
            Assert.Contains(messagePart, e.Message);
        }
        finally { File.Delete(path); }
    }

    const string OneTensor = """{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}""";

    [Fact]
    public void Truncated_file_is_rejected()
    {
        AssertRejected(new byte[5], "too short");
        AssertRejected(Make(OneTensor, 8), "runs past");
    }

    [Fact]
    public void Lying_header_length_is_rejected_before_allocating()
    {
        AssertRejected(Make(OneTensor, 16, claimedLength: 1UL << 60), "header length");
        AssertRejected(Make(OneTensor, 16, claimedLength: 10_000), "exceeds");
    }

    [Fact]
    public void Offsets_dtype_and_shape_must_agree()
    {
        AssertRejected(Make("""{"w":{"dtype":"F32","shape":[3,2],"data_offsets":[0,16]}}""", 16), "needs 6×4 bytes");
        AssertRejected(Make("""{"w":{"dtype":"F16","shape":[2,2],"data_offsets":[0,16]}}""", 16), "needs 4×2 bytes");
        AssertRejected(Make("""{"w":{"dtype":"Q9","shape":[2],"data_offsets":[0,16]}}""", 16), "unknown dtype");
        AssertRejected(Make("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", 16), "invalid data_offsets");
        AssertRejected(Make("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 16), "overlap");
        AssertRejected(Make("""{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}""", 16), "overflows");
        AssertRejected(Make("not json", 0), "not valid JSON");
    }

    [Theory]
    [InlineData("""{"w":{"dtype":5,"shape":[2,2],"data_offsets":[0,16]}}""", "dtype that is not a string", 9)]
    [InlineData("""{"w":{"dtype":"F32","shape":["2",2],"data_offsets":[0,16]}}""", "invalid dimension", 9)]
    [InlineData("""{"w":{"dtype":"F32","shape":[2,2],"data_offsets":["0",16]}}""", "pair of numbers", 9)]
    [InlineData("""{"w":{"dtype":"F32","shape":[2,2],"data_offsets":"0-16"}}""", "pair of numbers", 9)]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", "'a' appears twice", 9)]
    public void Malformed_entries_are_refused_naming_the_file_the_tensor_and_its_offset(string json, string part, long offset)
    {
        var path = TempPath();
        File.WriteAllBytes(path, Make(json, 16));
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Open(path).Dispose());
            Assert.StartsWith(path + ":", e.Message);
            Assert.Contains(part, e.Message);
            Assert.EndsWith($"(byte offset {offset})", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_header_that_is_not_UTF8_is_refused_at_the_bad_byte()
    {
        var json = Encoding.UTF8.GetBytes("""{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}""");
        json[3] = 0xFF; // inside the tensor's name
        var bytes = new byte[8 + json.Length + 16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);

        AssertRejected(bytes, "not valid UTF-8 (byte offset 11)");
    }
}
