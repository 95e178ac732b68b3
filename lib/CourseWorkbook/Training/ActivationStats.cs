using CourseWorkbook.Data;
using CourseWorkbook.Models;
using CourseWorkbook.Plotting;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Training;

/// <summary>Statistics of one layer's output over the real tokens of a batch: mean, standard deviation, largest
/// magnitude and RMS. Healthy pre-norm residual streams grow slowly with depth; a std that explodes or collapses
/// (or NaNs) points at the layer that breaks.</summary>
public sealed record ActivationStat(string Layer, double Mean, double Std, double MaxAbs, double Rms);

/// <summary>Activation statistics of a Llama model, layer by layer, for one batch.</summary>
public static class ActivationStats
{
    /// <summary>The residual stream after the embedding and after each decoder layer, the final norm and the logits,
    /// measured on the tokens where attention_mask is 1.</summary>
    public static IReadOnlyList<ActivationStat> Of(LlamaForCausalLM model, CausalLmBatch batch)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var keep = batch.attention_mask.to(ScalarType.Bool);
        var stats = new List<ActivationStat>();
        void Add(string name, Tensor x) => stats.Add(Measure(name, x[keep]));
        var x = model.model.embed_tokens.call(batch.input_ids);
        Add("embed_tokens", x);
        var inputs = new AttentionInputs(batch.attention_mask, null, 0, batch.position_ids);
        for (int i = 0; i < model.model.layers.Count; i++)
        {
            x = model.model.layers[i].Forward(x, inputs);
            Add($"layers.{i}", x);
        }
        x = model.model.norm.call(x);
        Add("norm", x);
        Add("logits", model.lm_head.call(x));
        return stats;
    }

    /// <summary>Mean, std, max |x| and RMS of a tensor.</summary>
    public static ActivationStat Measure(string layer, Tensor x)
    {
        var d = x.detach().to(ScalarType.Float64);
        return new ActivationStat(layer, d.mean().item<double>(), d.std().item<double>(), d.abs().max().item<double>(),
            d.pow(2).mean().sqrt().item<double>());
    }

    /// <summary>Std and max |x| per layer as grouped bars.</summary>
    public static Chart Chart(IReadOnlyList<ActivationStat> stats, string title = "Activations per layer") =>
        Plot.Bar(title, "value", stats.Select(s => s.Layer).ToArray(),
            ("std", stats.Select(s => s.Std).ToArray()), ("max |x|", stats.Select(s => s.MaxAbs).ToArray()));
}
