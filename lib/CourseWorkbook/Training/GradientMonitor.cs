using CourseWorkbook.Plotting;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Training;

/// <summary>One layer at one step: its gradient norm, its weight norm and the relative size of the update.</summary>
public sealed record LayerStepStats(int Step, string Layer, double GradientNorm, double WeightNorm, double UpdateRatio);

/// <summary>
/// Watches a model's layers during training: call <see cref="BeforeStep"/> after backward and before optimizer.step(),
/// then <see cref="AfterStep"/>. Records per layer the gradient norm and the update/weight ratio ‖Δw‖ / ‖w‖, whose
/// rule of thumb (Karpathy, CS231n) is about 1e-3: far below, the layer barely learns; far above, it is thrown around.
/// </summary>
public sealed class GradientMonitor
{
    readonly List<(string Layer, Tensor Parameter)> parameters;
    readonly List<LayerStepStats> records = [];
    Dictionary<string, (double Grad, double Weight)>? pending;
    List<Tensor>? before;

    /// <summary>Watches <paramref name="model"/>, grouping parameters by <paramref name="layerOf"/> (default
    /// <see cref="LayerOf"/>).</summary>
    public GradientMonitor(nn.Module model, Func<string, string>? layerOf = null)
    {
        layerOf ??= LayerOf;
        parameters = BatchingCheck.UniqueParameters(model).Select(p => (layerOf(p.Name), p.Parameter)).ToList();
        Layers = parameters.Select(p => p.Layer).Distinct().ToList();
    }

    /// <summary>The layer groups, in the model's order.</summary>
    public IReadOnlyList<string> Layers { get; }
    /// <summary>Everything recorded so far.</summary>
    public IReadOnlyList<LayerStepStats> Records => records;

    /// <summary>"model.layers.3.self_attn.q_proj.weight" → "layers.3", "model.embed_tokens.weight" →
    /// "embed_tokens", "transformer.h.0.attn.c_attn.weight" → "h.0".</summary>
    public static string LayerOf(string parameterName)
    {
        var parts = parameterName.Split('.');
        int start = parts[0] is "model" or "transformer" ? 1 : 0;   // Llama/Qwen2 "model.", GPT-2 "transformer."
        if (parts.Length > start + 1 && parts[start] is "layers" or "h" or "layer")
            return parts[start] + "." + parts[start + 1];
        return parts[start];
    }

    /// <summary>Records the gradient and weight norms and keeps a copy of the weights (call before
    /// optimizer.step()).</summary>
    public void BeforeStep()
    {
        using var _ = no_grad();
        pending = Layers.ToDictionary(l => l, l => (Norm(l, p => p.grad), Norm(l, p => p)));
        before = parameters.Select(p => p.Parameter.detach().clone().DetachFromDisposeScope()).ToList();
    }

    /// <summary>Computes each layer's update ratio ‖w_after − w_before‖ / ‖w_before‖ for step <paramref
    /// name="step"/>.</summary>
    public void AfterStep(int step)
    {
        if (pending is null || before is null)
            throw new InvalidOperationException("call BeforeStep() before AfterStep()");
        using var _ = no_grad();
        var squares = Layers.ToDictionary(l => l, _ => 0.0);
        for (int i = 0; i < parameters.Count; i++)
        {
            var d = (parameters[i].Parameter - before[i]).to(ScalarType.Float64).norm().item<double>();
            squares[parameters[i].Layer] += d * d;
            before[i].Dispose();
        }
        foreach (var layer in Layers)
        {
            var (g, w) = pending[layer];
            records.Add(new LayerStepStats(step, layer, g, w, Math.Sqrt(squares[layer]) / Math.Max(w, 1e-30)));
        }
        pending = null; before = null;
    }

    /// <summary>Median update/weight ratio of each layer over the recorded steps.</summary>
    public IReadOnlyDictionary<string, double> MedianUpdateRatio() => Layers.ToDictionary(l => l,
        l => Median(records.Where(r => r.Layer == l).Select(r => r.UpdateRatio)));

    /// <summary>Gradient norm per layer against the step (log scale).</summary>
    public Chart GradientNormChart(string title = "Gradient norm per layer") =>
        Plot.Line(title, "step", "‖grad‖", SeriesOf(r => r.GradientNorm), logY: true);

    /// <summary>Update/weight ratio per layer against the step (log scale), with the 1e-3 rule of thumb
    /// dashed.</summary>
    public Chart UpdateRatioChart(string title = "Update / weight ratio per layer")
    {
        var series = SeriesOf(r => r.UpdateRatio);
        var steps = records.Select(r => (double)r.Step).Distinct().ToArray();
        if (steps.Length > 0)
            series.Add(new Series("1e-3 rule of thumb", [steps.Min(), steps.Max()], [1e-3, 1e-3], Dashed: true));
        return Plot.Line(title, "step", "‖Δw‖ / ‖w‖", series, logY: true);
    }

    List<Series> SeriesOf(Func<LayerStepStats, double> value) => Layers.Select(l =>
    {
        var rows = records.Where(r => r.Layer == l).ToList();
        return new Series(l, rows.Select(r => (double)r.Step).ToArray(), rows.Select(value).ToArray());
    }).ToList();

    double Norm(string layer, Func<Tensor, Tensor?> pick)
    {
        double sum = 0;
        foreach (var (l, p) in parameters)
            if (l == layer && pick(p) is { } t)
            {
                double n = t.to(ScalarType.Float64).norm().item<double>();
                sum += n * n;
            }
        return Math.Sqrt(sum);
    }

    static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
