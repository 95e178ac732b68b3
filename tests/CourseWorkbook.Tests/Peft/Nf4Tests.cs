using System.Text.Json;
using CourseWorkbook.Models;
using CourseWorkbook.Peft;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Peft;

/// <summary>NF4 against an independent numpy implementation of the published code book
/// (reference/make_nf4_reference.py, run with /usr/bin/python3, saved as nf4_reference.json).</summary>
public class Nf4Tests : TorchTest
{
    static readonly JsonElement Ref = JsonDocument.Parse(File.ReadAllText(Path.Combine(LoraTests.ReferenceFolder(),
        "nf4_reference.json"))).RootElement;

    static double[] D(string key) => Ref.GetProperty(key).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    [Fact]
    public void Quantize_and_dequantize_match_the_numpy_reference()
    {
        int rows = Ref.GetProperty("rows").GetInt32(), cols = Ref.GetProperty("cols").GetInt32();
        var w = tensor(Enumerable.Range(0, rows * cols).Select(k => (float)(0.8 * Math.Sin(0.37 * (k / cols) * cols
            + 1.9 * (k % cols)) * (1 + 0.5 * Math.Cos(0.11 * (k % cols))))).ToArray(), [rows, cols]);
        var q = Nf4.Quantize(w, Ref.GetProperty("block").GetInt32());
        Assert.Equal(D("absmax"), q.AbsMax.data<float>().ToArray().Select(v => (double)v), new ToleranceComparer(1e-7));
        var codes = q.Codes.data<byte>().ToArray();
        var index = codes.SelectMany(c => new[] { c >> 4, c & 15 }).ToArray();
        Assert.Equal(Ref.GetProperty("index").EnumerateArray().Select(e => e.GetInt32()), index);
        Assert.Equal(rows * cols / 2 + 4 * 2, q.Bytes);     // 4 bits per value + one fp32 scale per block of 64
        var back = Nf4.Dequantize(q).data<float>().ToArray();
        Assert.Equal(D("dequantized"), back.Select(v => (double)v), new ToleranceComparer(1e-6));
    }

    [Fact]
    public void The_code_book_has_sixteen_levels_from_minus_one_to_one_with_an_exact_zero()
    {
        Assert.Equal(16, Nf4.Levels.Count);
        Assert.Equal(-1f, Nf4.Levels[0]);
        Assert.Equal(1f, Nf4.Levels[^1]);
        Assert.Contains(0f, Nf4.Levels);
        Assert.True(Nf4.Levels.Zip(Nf4.Levels.Skip(1)).All(p => p.First < p.Second));
    }

    [Fact]
    public void A_quantized_base_stores_about_four_and_a_half_bits_per_weight()
    {
        manual_seed(0);
        var model = new LlamaForCausalLM(LlamaConfig.Stories260K);
        var before = model.model.layers[0].mlp.up_proj.weight!.clone();
        var (nf4, fp32) = Nf4.QuantizeBase(model);
        Assert.Equal(4.5, 8.0 * nf4 / (fp32 / 4.0), 6);     // 4 bits + 32 bits / 64 per weight
        var after = model.model.layers[0].mlp.up_proj.weight!;
        var error = (after - before).abs().max().item<float>();
        Assert.True(error > 0 && error < 0.2 * before.abs().max().item<float>(), $"round-trip error {error}");
    }

    sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(double value) => 0;
    }
}
