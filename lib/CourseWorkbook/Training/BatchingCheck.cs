using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Training;

/// <summary>The result of the batching test: how far the gradient of a batch is from the token-weighted mean of the
/// gradients of its sequences taken one by one.</summary>
public sealed record BatchingCheckResult(double MaxRelativeDifference, string WorstParameter, int Sequences,
    long Tokens, string DType)
{
    /// <summary>True when the largest relative difference is at most <paramref name="tolerance"/>.</summary>
    public bool Matches(double tolerance = 1e-5) => MaxRelativeDifference <= tolerance;
}

/// <summary>
/// The test that proves a batched loop right. With the loss averaged over tokens, the gradient of a batch is the mean
/// of the gradients of its tokens, so it equals Σᵢ nᵢ·gᵢ / Σᵢ nᵢ, where gᵢ is the gradient of sequence i alone (a batch
/// of 1) and nᵢ its number of predicted tokens. Padding, masks, positions, reshapes and averaging all have to be right
/// for the two to agree.
/// </summary>
public static class BatchingCheck
{
    /// <summary>The gradient of <paramref name="loss"/> for every parameter of <paramref name="model"/> (copies; the
    /// model's .grad are cleared before and after). Tied weights appear once.</summary>
    public static Dictionary<string, Tensor> Gradients(nn.Module model, Func<Tensor> loss)
    {
        var parameters = UniqueParameters(model);
        foreach (var (_, p) in parameters) p.grad?.zero_();
        loss().backward();
        var result = new Dictionary<string, Tensor>();
        foreach (var (name, p) in parameters)
        {
            var g = p.grad is { } grad ? grad.detach().clone() : zeros_like(p);
            result[name] = g.DetachFromDisposeScope();
            p.grad?.zero_();
        }
        return result;
    }

    /// <summary>Compares the gradient of <paramref name="batchLoss"/> (the loss of the whole batch) with the
    /// token-weighted mean of the gradients of <paramref name="singles"/> (each sequence's loss and its token
    /// count).</summary>
    public static BatchingCheckResult Compare(nn.Module model, Func<Tensor> batchLoss,
        IReadOnlyList<(Func<Tensor> Loss, long Tokens)> singles)
    {
        using var scope = NewDisposeScope();
        var batch = Gradients(model, batchLoss);
        long total = singles.Sum(s => s.Tokens);
        Dictionary<string, Tensor>? accumulated = null;
        foreach (var (loss, tokens) in singles)
        {
            var g = Gradients(model, loss);
            double w = (double)tokens / total;
            if (accumulated is null) accumulated = g.ToDictionary(kv => kv.Key, kv => kv.Value * w);
            else foreach (var (name, t) in g) accumulated[name] = accumulated[name] + t * w;
        }
        var (worst, diff) = MaxRelativeDifference(batch, accumulated ?? throw new ArgumentException("no sequences"));
        string dtype = batch.Values.First().dtype.ToString();
        return new BatchingCheckResult(diff, worst, singles.Count, total, dtype);
    }

    /// <summary>max over parameters of ‖a − b‖ / ‖b‖ (a parameter with a zero gradient in b compares ‖a‖ to
    /// 1e-30).</summary>
    public static (string Parameter, double Difference) MaxRelativeDifference(IReadOnlyDictionary<string, Tensor> a,
        IReadOnlyDictionary<string, Tensor> b)
    {
        string worst = "";
        double max = 0;
        foreach (var (name, tb) in b)
        {
            double num = (a[name] - tb).to(ScalarType.Float64).norm().item<double>();
            double den = Math.Max(tb.to(ScalarType.Float64).norm().item<double>(), 1e-30);
            if (num / den >= max) { max = num / den; worst = name; }
        }
        return (worst, max);
    }

    /// <summary>The model's named parameters, each tensor once (a tied lm_head and embedding share one).</summary>
    public static List<(string Name, Tensor Parameter)> UniqueParameters(nn.Module model)
    {
        var seen = new HashSet<IntPtr>();
        return model.named_parameters().Where(p => seen.Add(p.parameter.Handle))
            .Select(p => (p.name, (Tensor)p.parameter)).ToList();
    }
}
