using System.Text.Json;
using CourseWorkbook.Models;
using CourseWorkbook.Peft;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Peft;

/// <summary>LoRA and DoRA on one Linear against PyTorch: the reference values come from
/// reference/make_lora_reference.py (run with /usr/bin/python3, PyTorch in float64), saved as lora_reference.json.
/// The inputs are closed-form sines, built the same way here.</summary>
[Collection(TorchRandomCollection.Name)]
public class LoraTests : TorchTest
{
    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    static readonly JsonElement Ref = JsonDocument.Parse(File.ReadAllText(Path.Combine(ReferenceFolder(),
        "lora_reference.json"))).RootElement;

    /// <summary>tests/CourseWorkbook.Tests/Peft/reference, found above the test binaries.</summary>
    internal static string ReferenceFolder() => Embeddings.FixtureFiles.InTests("Peft", "reference");

    static int I(string key) => Ref.GetProperty(key).GetInt32();
    static double[] D(string key) => Ref.GetProperty(key).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    static Tensor Filled(long rows, long cols, double a, double b, double scale) =>
        tensor(Enumerable.Range(0, (int)(rows * cols))
            .Select(k => scale * Math.Sin(a * (k / cols) + b * (k % cols) + 0.3)).ToArray(), [rows, cols], float64);

    /// <summary>The reference layer: W, b from the script, LoRA A and B set to the script's values.</summary>
    static (Linear Linear, LoraModel Lora, LoraLayer Layer, Tensor X) Build(LoraVariant variant = LoraVariant.LoRA)
    {
        int inF = I("in"), outF = I("out"), r = I("r");
        var linear = nn.Linear(inF, outF, hasBias: true, dtype: float64);
        var holder = nn.Sequential(("proj", linear));
        var lora = LoraModel.Inject(holder, new LoraConfig(r, Ref.GetProperty("alpha").GetDouble(), 0, ["proj"], variant));
        var layer = Assert.Single(lora.Layers);
        using (no_grad())
        {
            linear.weight!.copy_(Filled(outF, inF, 1.3, 0.7, 0.5));
            linear.bias!.copy_(tensor(Enumerable.Range(0, outF).Select(k => 0.1 * (k - 1.5)).ToArray(), float64));
            layer.A("default").copy_(Filled(r, inF, 0.9, 1.7, 0.4));
            layer.B("default").copy_(Filled(outF, r, 2.1, 0.4, 0.3));
            if (variant == LoraVariant.DoRA) layer.Magnitude("default")!.copy_(tensor(D("dora_magnitude"), float64));
        }
        return (linear, lora, layer, Filled(I("batch"), inF, 0.5, 1.1, 1.0));
    }

    static void Close(double[] expected, Tensor actual, double tol = 1e-12)
    {
        var got = actual.detach().flatten().data<double>().ToArray();
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < got.Length; i++) Assert.True(Math.Abs(expected[i] - got[i]) <= tol,
            $"element {i}: expected {expected[i]}, got {got[i]}");
    }

    [Fact]
    public void Lora_forward_and_gradients_match_pytorch()
    {
        var (linear, _, layer, x) = Build();
        x.requires_grad = true;
        var y = linear.call(x);
        (y * y).sum().div(2).backward();
        Close(D("lora_y"), y);
        Close(D("lora_grad_A"), layer.A("default").grad!);
        Close(D("lora_grad_B"), layer.B("default").grad!);
        Close(D("lora_grad_x"), x.grad!);
        Assert.Null(linear.weight!.grad);   // the base is frozen
    }

    [Fact]
    public void Dora_forward_and_gradients_match_pytorch()
    {
        var (linear, _, layer, x) = Build(LoraVariant.DoRA);
        var y = linear.call(x);
        (y * y).sum().div(2).backward();
        Close(D("dora_y"), y);
        Close(D("dora_grad_m"), layer.Magnitude("default")!.grad!);
        Close(D("dora_grad_A"), layer.A("default").grad!);
        Close(D("dora_grad_B"), layer.B("default").grad!);
    }

    [Theory]
    [InlineData(LoraVariant.LoRA, "lora_merged_W")]
    [InlineData(LoraVariant.DoRA, "dora_merged_W")]
    public void Merge_gives_the_reference_weight_the_same_outputs_and_unmerge_restores_W(LoraVariant variant, string key)
    {
        var (linear, lora, _, x) = Build(variant);
        using var _ = no_grad();
        var w0 = linear.weight!.clone();
        var unmerged = linear.call(x);
        lora.Merge();
        Close(D(key), linear.weight);
        Close(unmerged.flatten().data<double>().ToArray(), linear.call(x));
        lora.Unmerge();
        Assert.True(linear.weight.allclose(w0, rtol: 0, atol: 1e-14));
        Close(unmerged.flatten().data<double>().ToArray(), linear.call(x));
    }

    [Fact]
    public void A_new_adapter_changes_nothing_A_is_kaiming_uniform_and_B_is_zero()
    {
        manual_seed(7);
        var linear = nn.Linear(256, 64);
        var x = randn(5, 256);
        using var _ = no_grad();
        var before = linear.call(x).clone();
        var lora = LoraModel.Inject(nn.Sequential(("q_proj", linear)), new LoraConfig(16, 32));
        var layer = lora.Layers[0];
        Assert.True(Same(linear.call(x), before));
        Assert.Equal(0.0, layer.B("default").abs().max().item<float>());
        // kaiming_uniform(a = √5): U(−1/√in, 1/√in), standard deviation 1/√(3·in)
        var a = layer.A("default");
        Assert.Equal([16L, 256L], a.shape);
        Assert.True(a.abs().max().item<float>() <= 1 / Math.Sqrt(256));
        Assert.InRange(a.std().item<float>(), 0.95 / Math.Sqrt(3 * 256), 1.05 / Math.Sqrt(3 * 256));
        Assert.Equal(2.0, layer.Config("default").Scaling);
    }

    [Fact]
    public void Dropout_acts_on_the_adapter_input_in_train_mode_only()
    {
        manual_seed(1);
        var linear = nn.Linear(8, 8);
        var holder = nn.Sequential(("v_proj", linear));
        var lora = LoraModel.Inject(holder, new LoraConfig(4, 4, LoraDropout: 0.5));
        using var _ = no_grad();
        nn.init.normal_(lora.Layers[0].B("default"));
        var x = randn(3, 8);
        holder.eval();
        var a = linear.call(x);
        Assert.True(Same(a, linear.call(x)));
        holder.train();
        Assert.False(linear.call(x).allclose(a));
    }
}
