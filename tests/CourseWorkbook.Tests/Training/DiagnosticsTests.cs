using CourseWorkbook.Data;
using CourseWorkbook.Models;
using CourseWorkbook.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Training;

[Collection(TorchRandomCollection.Name)]
public class LossDiagnosticsTests : TorchTest
{
    [Fact]
    public void The_unigram_baseline_is_the_entropy_of_the_predicted_tokens()
    {
        // predicted tokens (all but the first of each): 2, 2, 3, 3 → two equally likely tokens → ln 2
        Assert.Equal(Math.Log(2), LossDiagnostics.UnigramBaseline([[1, 2, 2], [1, 3, 3]]), 12);
        Assert.Equal(0, LossDiagnostics.UnigramBaseline([[1, 5, 5, 5]]), 12);
    }

    [Fact]
    public void A_random_stories260K_shaped_model_starts_within_5_percent_of_ln_V()
    {
        manual_seed(42);
        var model = new LlamaForCausalLM(LlamaConfig.Stories260K);
        model.eval();
        var b = CausalLmCollator.Collate([[1, 50, 60, 70, 80, 2], [1, 300, 301, 2]]);
        using var _ = no_grad();
        var logits = model.Forward(b.input_ids, b.attention_mask, b.position_ids);
        var loss = CausalLmLoss.Compute(logits, b.labels).item<float>();
        var check = LossDiagnostics.InitialLoss("random", loss, 512);
        Assert.Equal(Math.Log(512), check.LnV, 12);
        Assert.True(Math.Abs(check.RelativeGap) < 0.05, check.ToString());
    }

    [Fact]
    public void Overfitting_one_batch_drives_the_loss_down()
    {
        var model = TinyLlama.Create();
        var b = CausalLmCollator.Collate([[1, 4, 5, 6, 2], [1, 9, 2]]);
        var curve = LossDiagnostics.OverfitOneBatch("tiny", model,
            () => CausalLmLoss.Compute(model.Forward(b.input_ids, b.attention_mask, b.position_ids), b.labels),
            60, lr: 3e-2);
        Assert.True(curve.Final < 0.1 * curve.Losses[0], curve.ToString());
    }
}

[Collection(TorchRandomCollection.Name)]
public class GradientCheckTests : TorchTest
{
    [Fact]
    public void The_cross_entropy_gradient_by_hand_matches_autograd()
    {
        manual_seed(1);
        var z = randn(6, 5, dtype: ScalarType.Float64).requires_grad_();
        var y = tensor(new long[] { 0, 4, -100, 2, 2, 1 });
        nn.functional.cross_entropy(z, y).backward();
        var counted = y.ne(-100);
        var oneHot = nn.functional.one_hot(y.clamp_min(0), 5).to(ScalarType.Float64);
        var hand = (nn.functional.softmax(z.detach(), -1) - oneHot)
            * counted.unsqueeze(1) / counted.sum();
        var c = GradientCheck.Compare("ce", hand, z.grad!);
        Assert.True(c.Matches(1e-12), c.ToString());
        Assert.Equal(30, c.Elements);
    }

    [Fact]
    public void A_wrong_gradient_shows_its_relative_error()
    {
        var a = tensor(new double[] { 1, -2, 2 });
        var c = GradientCheck.Compare("scaled", a * 1.1, a);
        Assert.Equal(0.1, c.RelativeDifference, 12);
        Assert.Equal(0.2, c.MaxAbsDifference, 12);
        Assert.False(c.Matches());
    }

    [Fact]
    public void Different_shapes_are_refused()
    {
        Assert.Throws<ArgumentException>(() => GradientCheck.Compare("x", zeros(2), zeros(3)));
    }
}

[Collection(TorchRandomCollection.Name)]
public class GradientMonitorTests : TorchTest
{
    [Theory]
    [InlineData("model.layers.3.self_attn.q_proj.weight", "layers.3")]
    [InlineData("model.embed_tokens.weight", "embed_tokens")]
    [InlineData("model.norm.weight", "norm")]
    [InlineData("lm_head.weight", "lm_head")]
    [InlineData("transformer.h.0.attn.c_attn.weight", "h.0")]
    [InlineData("transformer.wte.weight", "wte")]
    public void Parameters_are_grouped_by_layer(string name, string layer) =>
        Assert.Equal(layer, GradientMonitor.LayerOf(name));

    [Fact]
    public void With_SGD_the_update_ratio_is_lr_times_grad_norm_over_weight_norm()
    {
        manual_seed(0);
        var model = nn.Sequential(("fc", nn.Linear(3, 2, hasBias: false)));
        var x = randn(4, 3);
        var sgd = optim.SGD(model.parameters(), 0.1);
        var monitor = new GradientMonitor(model, _ => "fc");
        model.call(x).pow(2).sum().backward();
        var w = model.parameters().Single();
        double g = w.grad!.norm().item<float>(), n = w.norm().item<float>();
        monitor.BeforeStep();
        sgd.step();
        monitor.AfterStep(0);
        var r = monitor.Records.Single();
        Assert.Equal(g, r.GradientNorm, 5);
        Assert.Equal(n, r.WeightNorm, 5);
        Assert.Equal(0.1 * g / n, r.UpdateRatio, 5);
        Assert.Equal(r.UpdateRatio, monitor.MedianUpdateRatio()["fc"]);
    }
}

[Collection(TorchRandomCollection.Name)]
public class ActivationStatsTests : TorchTest
{
    [Fact]
    public void Measure_gives_known_statistics()
    {
        var s = ActivationStats.Measure("x", tensor(new float[] { 1, -1, 3, -3 }));
        Assert.Equal(0, s.Mean, 12);
        Assert.Equal(Math.Sqrt(20.0 / 3), s.Std, 6);    // unbiased, as torch.std
        Assert.Equal(3, s.MaxAbs, 12);
        Assert.Equal(Math.Sqrt(5), s.Rms, 6);
    }

    [Fact]
    public void Every_layer_is_measured_on_real_tokens_only()
    {
        var m = TinyLlama.Create();
        var b = CausalLmCollator.Collate([[1, 4, 5, 2], [1, 2]], side: PaddingSide.Left);
        var stats = ActivationStats.Of(m, b);
        Assert.Equal(["embed_tokens", "layers.0", "layers.1", "norm", "logits"], stats.Select(s => s.Layer));
        var realEmbeddings = m.model.embed_tokens.call(tensor(new long[] { 1, 4, 5, 2, 1, 2 }));
        Assert.Equal(ActivationStats.Measure("e", realEmbeddings).Std, stats[0].Std, 10);
    }
}

public class TrainingRunTests
{
    [Fact]
    public void Tokens_accumulate_and_validation_points_know_them()
    {
        var run = new TrainingRun("r", 2);
        run.Validate(0, 5.0);
        run.Step(0, 10, 4.0, true);
        run.Step(1, 12, 3.0, false);
        run.Validate(2, 2.5);
        Assert.Equal([10L, 22L], run.TokensSeen);
        Assert.Equal([0L, 22L], run.Validation.Select(v => v.Tokens));
        Assert.Equal(0.5, run.TrainModeShare);
        Assert.Equal(2.5, run.FinalValidation);
    }

    [Fact]
    public void Step_noise_is_the_spread_of_successive_differences_over_root_two()
    {
        var run = new TrainingRun("r", 1);
        double[] losses = [0, 1, 0, 1];
        for (int i = 0; i < losses.Length; i++) run.Step(i, 1, losses[i], true);
        // differences 1, −1, 1: mean 1/3, sample variance 4/3; divided by 2 → 2/3
        Assert.Equal(Math.Sqrt(2.0 / 3), run.StepNoise(), 12);
    }
}
