using System.Globalization;
using System.Text.RegularExpressions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Peft;

/// <summary>Which parameters train: counts from the module tree (each parameter once, tied weights once, as peft's
/// print_trainable_parameters), and the partial fine-tuning recipes that only flip requires_grad.</summary>
public static class Trainable
{
    /// <summary>Parameters with requires_grad.</summary>
    public static IReadOnlyList<(string Name, Parameter Parameter)> Parameters(nn.Module model) =>
        model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).ToList();

    /// <summary>Σ numel of the trainable parameters.</summary>
    public static long Count(nn.Module model) => Parameters(model).Sum(p => p.Parameter.numel());

    /// <summary>peft's line: "trainable params: 540,672 || all params: 494,573,440 || trainable%: 0.1093".</summary>
    public static string Summary(nn.Module model)
    {
        long trainable = Count(model), all = Models.ParameterCounts.Count(model);
        return string.Format(CultureInfo.InvariantCulture,
            "trainable params: {0:N0} || all params: {1:N0} || trainable%: {2:F4}", trainable, all,
            100.0 * trainable / all);
    }

    /// <summary>Sets requires_grad to <paramref name="predicate"/>(name) for every parameter; returns the count
    /// that trains.</summary>
    public static long Only(nn.Module model, Func<string, bool> predicate)
    {
        foreach (var (name, p) in model.named_parameters()) p.requires_grad = predicate(name);
        return Count(model);
    }

    /// <summary>Full fine-tuning: everything trains.</summary>
    public static long All(nn.Module model) => Only(model, _ => true);

    /// <summary>BitFit (Ben Zaken et al. 2021) trains only the bias terms. Llama has no biases, so on a Llama the
    /// closest recipe trains the other per-channel vectors, the RMSNorm gains: pass <paramref name="norms"/>
    /// true.</summary>
    public static long BiasesOnly(nn.Module model, bool norms = false) =>
        Only(model, n => n.EndsWith(".bias", StringComparison.Ordinal) || norms && n.Contains("norm"));

    /// <summary>Top-N layers: only decoder layers numbered ≥ layers − <paramref name="n"/> (HF "model.layers.i."),
    /// plus the final norm; <paramref name="head"/> adds the output head (lm_head; with tied embeddings that is the
    /// embedding matrix, which the module tree names model.embed_tokens.weight).</summary>
    public static long TopLayers(nn.Module model, int totalLayers, int n, bool head = false) =>
        Only(model, name =>
        {
            var m = Regex.Match(name, @"(?:^|\.)layers\.(\d+)\.");
            if (m.Success) return int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) >= totalLayers - n;
            return name.StartsWith("model.norm", StringComparison.Ordinal) && n > 0
                || head && (name.StartsWith("lm_head", StringComparison.Ordinal) || name.Contains("embed_tokens"));
        });
}
