using CourseWorkbook.Models;
using CourseWorkbook.Peft;
using CourseWorkbook.Tests.Training;
using TorchSharp;
using static CourseWorkbook.Tests.Peft.PeftFamilyReference;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Peft;

/// <summary>Bottleneck adapters in a Llama decoder layer against PyTorch (reference/make_peft_family_reference.py):
/// sequential after the MLP and after attention's output projection, parallel beside the MLP.</summary>
[Collection(TorchRandomCollection.Name)]
public class BottleneckAdapterTests : TorchTest
{
    static readonly System.Text.Json.JsonElement Ref = Section("adapter");

    /// <summary>One decoder layer of width 6 (3 heads of 2, MLP 6 → 5 → 6) with the reference's MLP and o_proj
    /// weights, adapters injected; <paramref name="setAdapters"/> gives them the reference's weights.</summary>
    static (LlamaDecoderLayer Layer, IReadOnlyList<BottleneckAdapter> Adapters, Tensor X) Build(
        BottleneckConfig config, bool setAdapters = true)
    {
        int d = Ref.I("d"), m = Ref.I("m"), h = Ref.I("hidden");
        var model = new LlamaForCausalLM(new LlamaConfig(16, d, h, 1, 3, 1), dtype: float64);
        var adapters = BottleneckAdapter.Inject(model, config);
        var layer = model.model.layers[0];
        using (no_grad())
        {
            layer.mlp.gate_proj.weight!.copy_(Ref.T("gate_proj", h, d));
            layer.mlp.up_proj.weight!.copy_(Ref.T("up_proj", h, d));
            layer.mlp.down_proj.weight!.copy_(Ref.T("down_proj", d, h));
            layer.self_attn.o_proj.weight!.copy_(Ref.T("o_proj_weight", d, d));
            if (setAdapters)
                foreach (var a in adapters)
                {
                    a.adapter_down.weight!.copy_(Ref.T("W_down", m, d));
                    a.adapter_down.bias!.copy_(Ref.T("b_down", m));
                    a.adapter_up.weight!.copy_(Ref.T("W_up", d, m));
                    a.adapter_up.bias!.copy_(Ref.T("b_up", d));
                }
        }
        return (layer, adapters, Ref.T("x", 2, 3, d));
    }

    [Fact]
    public void Sequential_adapters_after_the_mlp_and_after_attention_match_pytorch()
    {
        var (layer, adapters, x) = Build(new BottleneckConfig(2));
        Assert.Equal(2, adapters.Count);   // after attention and after the MLP (Houlsby)
        using var _ = no_grad();
        Close(Ref.D("sequential_mlp"), layer.mlp.call(x));                 // h + f(h), h = MLP(x)
        Close(Ref.D("sequential_o_proj"), layer.self_attn.o_proj.call(x)); // attention's output h + f(h)
    }

    [Fact]
    public void A_parallel_adapter_beside_the_mlp_matches_pytorch()
    {
        var (layer, adapters, x) = Build(new BottleneckConfig(2, AdapterPlacement.Parallel));
        Assert.Single(adapters);
        Assert.Equal(Ref.GetProperty("s").GetDouble(), new BottleneckConfig(2, AdapterPlacement.Parallel).Scale);
        using var _ = no_grad();
        Close(Ref.D("parallel_mlp"), layer.mlp.call(x));                   // MLP(x) + s·f(x)
        Close(Ref.D("o_proj"), layer.self_attn.o_proj.call(x));            // attention untouched
    }

    [Theory]
    [InlineData(AdapterPlacement.Sequential)]
    [InlineData(AdapterPlacement.Parallel)]
    public void Zero_initialised_W_up_leaves_the_outputs_equal_and_only_the_adapters_train(AdapterPlacement placement)
    {
        var (layer, adapters, x) = Build(new BottleneckConfig(2, placement), setAdapters: false);
        using (no_grad()) Close(Ref.D("mlp"), layer.mlp.call(x));   // the MLP alone, as PyTorch computes it
        var model = TinyLlama.Create();
        var ids = tensor(new long[] { 1, 4, 7, 3, 9, 2 }).unsqueeze(0);
        Tensor before;
        using (no_grad()) before = model.Forward(ids);
        manual_seed(5);
        var injected = BottleneckAdapter.Inject(model, new BottleneckConfig(3, placement));
        var after = model.Forward(ids);
        Assert.True(after.eq(before).all().item<bool>());   // bit for bit: f adds exactly zero
        Assert.All(injected, a => Assert.True(a.adapter_down.weight!.abs().max().item<double>() > 0));
        after.sum().backward();
        Assert.All(injected, a => Assert.True(a.adapter_up.weight!.grad!.abs().max().item<double>() > 0));
        Assert.Null(model.model.layers[0].mlp.up_proj.weight!.grad);
        Assert.All(adapters, a => Assert.Equal(0.0, a.adapter_up.weight!.abs().max().item<double>()));
    }

    [Fact]
    public void Trainable_counts_are_two_d_m_plus_m_plus_d_per_adapter_with_adapterhub_names()
    {
        // stories260K, d = 64, 5 layers. Per adapter: W_down d·m + b_down m + W_up m·d + b_up d.
        // Sequential m = 8 after attention and MLP: 5 × 2 × (2·64·8 + 8 + 64) = 10,960.
        // Parallel m = 16 beside the MLP: 5 × (2·64·16 + 16 + 64) = 10,640.
        using var sequential = new LlamaForCausalLM(LlamaConfig.Stories260K);
        BottleneckAdapter.Inject(sequential, new BottleneckConfig(8));
        Assert.Equal(5L * 2 * (2 * 64 * 8 + 8 + 64), Trainable.Count(sequential));
        Assert.Equal(10_960L, Trainable.Count(sequential));
        using var parallel = new LlamaForCausalLM(LlamaConfig.Stories260K);
        BottleneckAdapter.Inject(parallel, new BottleneckConfig(16, AdapterPlacement.Parallel));
        Assert.Equal(10_640L, Trainable.Count(parallel));
        var names = Trainable.Parameters(sequential).Select(p => p.Name).ToList();
        Assert.Contains("model.layers.0.self_attn.adapter.adapter_down.weight", names);
        Assert.Contains("model.layers.4.mlp.adapter.adapter_up.bias", names);
    }

    [Fact]
    public void A_parallel_adapter_beside_attention_is_refused_with_the_reason()
    {
        var model = TinyLlama.Create();
        var e = Assert.Throws<NotSupportedException>(() => BottleneckAdapter.Inject(model,
            new BottleneckConfig(2, AdapterPlacement.Parallel, ["self_attn", "mlp"])));
        Assert.Contains("MLP", e.Message);
        Assert.Throws<ArgumentException>(() =>
            BottleneckAdapter.Inject(model, new BottleneckConfig(2, Sublayers: ["ffn"])));
    }
}
