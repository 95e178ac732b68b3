using CourseWorkbook.Models;
using CourseWorkbook.Peft;
using CourseWorkbook.Tests.Training;
using TorchSharp;
using TorchSharp.Modules;
using static CourseWorkbook.Tests.Peft.PeftFamilyReference;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Peft;

/// <summary>VeRA against PyTorch (reference/make_peft_family_reference.py): two layers of different shapes share one
/// frozen pair A, B, each taking its slice; only λ_d and λ_b train.</summary>
[Collection(TorchRandomCollection.Name)]
public class VeraTests : TorchTest
{
    static readonly System.Text.Json.JsonElement Ref = Section("vera");

    /// <summary>q_proj 6 → 4 and v_proj 5 → 7 with the reference's weights, shared pair and λ vectors.</summary>
    static (Linear[] Linears, VeraModel Vera, Tensor[] X) Build()
    {
        int r = Ref.I("r"), batch = Ref.I("batch");
        var linears = new[] { nn.Linear(6, 4, dtype: float64), nn.Linear(5, 7, dtype: float64) };
        var holder = nn.Sequential(("q_proj", linears[0]), ("v_proj", linears[1]));
        var vera = VeraModel.Inject(holder, new VeraConfig(r, ["q_proj", "v_proj"]));
        Assert.Equal([3L, 6L], vera.VeraA.shape);   // r × the largest input
        Assert.Equal([7L, 3L], vera.VeraB.shape);   // the largest output × r
        var x = new Tensor[2];
        using (no_grad())
        {
            vera.VeraA.copy_(Ref.T("A", 3, 6));
            vera.VeraB.copy_(Ref.T("B", 7, 3));
            for (int n = 0; n < 2; n++)
            {
                long i = linears[n].weight!.shape[1], o = linears[n].weight!.shape[0];
                linears[n].weight!.copy_(Ref.T($"W_{n}", o, i));
                linears[n].bias!.copy_(Ref.T($"bias_{n}", o));
                vera.Layers[n].LambdaD.copy_(Ref.T($"lambda_d_{n}", r));
                vera.Layers[n].LambdaB.copy_(Ref.T($"lambda_b_{n}", o));
                x[n] = Ref.T($"x_{n}", batch, i);
            }
        }
        return (linears, vera, x);
    }

    [Fact]
    public void Forward_and_the_gradients_of_lambda_b_and_lambda_d_match_pytorch()
    {
        var (linears, vera, x) = Build();
        var y = linears.Select((l, n) => l.call(x[n])).ToArray();
        ((y[0] * y[0]).sum() / 2 + (y[1] * y[1]).sum() / 2).backward();
        for (int n = 0; n < 2; n++)
        {
            Close(Ref.D($"y_{n}"), y[n]);
            Close(Ref.D($"grad_lambda_d_{n}"), vera.Layers[n].LambdaD.grad!);
            Close(Ref.D($"grad_lambda_b_{n}"), vera.Layers[n].LambdaB.grad!);
            Assert.Null(linears[n].weight!.grad);   // the base is frozen
        }
        Assert.False(vera.VeraA.requires_grad);
        Assert.False(vera.VeraB.requires_grad);
    }

    [Fact]
    public void Merge_gives_the_reference_weights_and_the_same_outputs_and_unmerge_restores_them()
    {
        var (linears, vera, x) = Build();
        using var _ = no_grad();
        var w0 = linears.Select(l => l.weight!.clone()).ToArray();
        var before = linears.Select((l, n) => l.call(x[n])).ToArray();
        vera.Merge();
        for (int n = 0; n < 2; n++)
        {
            Close(Ref.D($"merged_W_{n}"), linears[n].weight!);
            Close(before[n].flatten().data<double>().ToArray(), linears[n].call(x[n]));
        }
        vera.Unmerge();
        for (int n = 0; n < 2; n++) Assert.True(linears[n].weight!.allclose(w0[n], rtol: 0, atol: 1e-15));
    }

    [Fact]
    public void Merged_logits_of_a_float32_llama_equal_the_unmerged_ones_to_1e_5()
    {
        manual_seed(3);
        var model = new LlamaForCausalLM(TinyLlama.Config);
        var vera = VeraModel.Inject(model, new VeraConfig(4, LoraConfig.AllLinear));
        using var _ = no_grad();
        foreach (var l in vera.Layers) nn.init.normal_(l.LambdaB, 0, 0.5);
        var ids = tensor(new long[] { 1, 4, 7, 3, 9, 2 }).unsqueeze(0);
        var unmerged = model.Forward(ids);
        var baseLogits = vera.WithoutAdapters(() => model.Forward(ids));
        Assert.True((unmerged - baseLogits).abs().max().item<float>() > 1e-2);   // the adapters do something
        vera.Merge();
        Assert.True((model.Forward(ids) - unmerged).abs().max().item<float>() <= 1e-5);
        vera.Unmerge();
        Assert.True((model.Forward(ids) - unmerged).abs().max().item<float>() <= 1e-5);
    }

    [Fact]
    public void A_new_adapter_changes_nothing_and_the_shared_pair_is_peft_s_for_the_same_key()
    {
        var model = TinyLlama.Create();
        var ids = tensor(new long[] { 1, 4, 7, 3, 9, 2 }).unsqueeze(0);
        using var _ = no_grad();
        var before = model.Forward(ids);
        manual_seed(123);   // the pair comes from its own generator, not from the global seed
        var vera = VeraModel.Inject(model, new VeraConfig(3, ["q_proj", "v_proj"], ProjectionPrngKey: 0));
        Assert.True(model.Forward(ids).eq(before).all().item<bool>());
        Assert.All(vera.Layers, l => Assert.Equal(0.0, l.LambdaB.abs().max().item<double>()));
        Assert.All(vera.Layers, l => Assert.True(l.LambdaD.eq(0.1).all().item<bool>()));

        // peft's _kaiming_init for projection_prng_key = 0 on layers 6 → 4 and 5 → 7 (A [3, 6] then B [7, 3]),
        // computed by PyTorch's own generator; the same libtorch generator draws the same numbers here.
        var seeded = Section("vera_seeded");
        var linears = new[] { nn.Linear(6, 4), nn.Linear(5, 7) };
        var peftLike = VeraModel.Inject(nn.Sequential(("q_proj", linears[0]), ("v_proj", linears[1])),
            new VeraConfig(3, ["q_proj", "v_proj"], ProjectionPrngKey: seeded.I("key")));
        Close(seeded.D("A"), peftLike.VeraA, 0);
        Close(seeded.D("B"), peftLike.VeraB, 0);
        Assert.True(peftLike.Layers[0].A.eq(peftLike.VeraA.narrow(1, 0, 6)).all().item<bool>());
        Assert.Equal([4L, 3L], peftLike.Layers[0].B.shape);   // the first 4 rows of the shared B
        var other = VeraModel.Inject(nn.Sequential(("q_proj", nn.Linear(6, 4))), new VeraConfig(3, ["q_proj"], 1));
        Assert.False(other.VeraA.eq(peftLike.VeraA).all().item<bool>());
    }

    [Fact]
    public void Trainable_count_is_r_plus_out_per_adapted_layer_and_names_follow_peft()
    {
        // stories260K: 5 layers of width 64, GQA 8:4 (k and v 64 → 32), MLP 64 → 172 → 64, r = 64 on all linear
        // layers: 5 × Σ(r + out) = 5 × (7 × 64 + 64 + 32 + 32 + 64 + 172 + 172 + 64) = 5 × 1,048 = 5,240.
        var c = LlamaConfig.Stories260K;
        using var model = new LlamaForCausalLM(c);
        var vera = VeraModel.Inject(model, new VeraConfig(64, LoraConfig.AllLinear));
        long perLayer = 7 * 64 + c.HiddenSize + 2L * c.NumKeyValueHeads * c.HeadDimension + c.HiddenSize
            + 2L * c.IntermediateSize + c.HiddenSize;
        Assert.Equal(5_240L, c.NumHiddenLayers * perLayer);
        Assert.Equal(5_240L, vera.TrainableParameters);
        Assert.Equal(35, vera.Layers.Count);
        Assert.Equal([64L, 172L], vera.VeraA.shape);
        Assert.Equal([172L, 64L], vera.VeraB.shape);
        var names = Trainable.Parameters(model).Select(p => p.Name).ToList();
        Assert.Contains("model.layers.0.self_attn.q_proj.vera_lambda_d.default", names);
        Assert.Contains("model.layers.4.mlp.down_proj.vera_lambda_b.default", names);
        var buffers = model.named_buffers().Select(b => b.name).ToList();
        Assert.Single(buffers, b => b == "vera_A.default");   // shared: stored once
        Assert.Single(buffers, b => b == "vera_B.default");
    }

    [Fact]
    public void Bad_settings_say_what_is_wrong()
    {
        var model = TinyLlama.Create();
        var e = Assert.Throws<ArgumentException>(() => VeraModel.Inject(model, new VeraConfig(4, ["nothing_here"])));
        Assert.Contains("nothing_here", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => VeraModel.Inject(model, new VeraConfig(0)));
    }
}
