using System.Diagnostics;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Models;

/// <summary>How the next token is chosen: Temperature 0 is greedy (argmax); otherwise logits are divided by the
/// temperature, softmaxed, optionally cut to the top-k and to the smallest set with probability ≥ TopP (nucleus),
/// and sampled with a generator seeded by <see cref="Seed"/>, so the same options give the same text.</summary>
public sealed record SamplingOptions(double Temperature = 0, double TopP = 1.0, int TopK = 0, int Seed = 42)
{
    /// <summary>Argmax decoding.</summary>
    public static SamplingOptions Greedy { get; } = new();
}

/// <summary>The result of a generation: ids, text, speed.</summary>
public sealed record GenerationResult(IReadOnlyList<int> PromptIds, IReadOnlyList<int> GeneratedIds, string? Text,
    bool StoppedOnToken, TimeSpan Elapsed, bool UsedKvCache)
{
    /// <summary>Generated tokens per second (prompt processing included in the time).</summary>
    public double TokensPerSecond => GeneratedIds.Count / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>Autoregressive decoding and evaluation for any <see cref="ICausalLanguageModel"/>.</summary>
public static class TextGeneration
{
    /// <summary>Generates up to <paramref name="maxNewTokens"/> tokens after <paramref name="promptIds"/>, stopping
    /// early when a token of <paramref name="stopTokens"/> is produced (not included). With
    /// <paramref name="useKvCache"/> the prompt is processed once and each step feeds one token; without it every step
    /// re-runs the whole sequence.</summary>
    public static GenerationResult Generate(ICausalLanguageModel model, IReadOnlyList<int> promptIds, int maxNewTokens,
        SamplingOptions? sampling = null, bool useKvCache = true, IEnumerable<int>? stopTokens = null,
        Tokenizer? tokenizer = null, Action<int>? onToken = null)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        if (promptIds.Count == 0)
            throw new ArgumentException("the prompt needs at least one token (e.g. BOS)", nameof(promptIds));
        sampling ??= SamplingOptions.Greedy;
        var stops = (stopTokens ?? []).ToHashSet();
        var rng = new Random(sampling.Seed);
        var ids = promptIds.ToList();
        var generated = new List<int>();
        bool stopped = false;
        int capacity = Math.Min(model.ContextLength, promptIds.Count + maxNewTokens);
        if (promptIds.Count + maxNewTokens > model.ContextLength)
            maxNewTokens = model.ContextLength - promptIds.Count;
        var sw = Stopwatch.StartNew();
        using var cache = useKvCache ? model.NewCache(capacity) : null;
        using (torch.no_grad())
        {
            for (int step = 0; step < maxNewTokens; step++)
            {
                using var scope = torch.NewDisposeScope();
                // With the cache only the tokens the model has not seen yet are fed; without it, all of them.
                var feed = useKvCache ? ids.Skip(cache!.Length).ToArray() : ids.ToArray();
                var input = torch.tensor(feed.Select(i => (long)i).ToArray(), new long[] { 1, feed.Length });
                var logits = model.Logits(input, cache);
                var last = logits[0, -1].to(ScalarType.Float32).data<float>().ToArray();
                int next = Sample(last, sampling, rng);
                if (stops.Contains(next)) { stopped = true; break; }
                ids.Add(next);
                generated.Add(next);
                onToken?.Invoke(next);
            }
        }
        sw.Stop();
        string? text = tokenizer?.Decode(generated);
        return new GenerationResult(promptIds.ToList(), generated, text, stopped, sw.Elapsed, useKvCache);
    }

    /// <summary>Picks the next token from one row of logits according to <paramref name="options"/>.</summary>
    public static int Sample(ReadOnlySpan<float> logits, SamplingOptions options, Random rng)
    {
        if (options.Temperature <= 0) return ArgMax(logits);
        var probs = Softmax(logits, options.Temperature);
        var order = Enumerable.Range(0, probs.Length).OrderByDescending(i => probs[i]).ThenBy(i => i).ToArray();
        int keep = order.Length;
        if (options.TopK > 0) keep = Math.Min(keep, options.TopK);
        if (options.TopP < 1.0)
        {
            double cumulative = 0;
            for (int i = 0; i < keep; i++)
            {
                cumulative += probs[order[i]];
                if (cumulative >= options.TopP) { keep = i + 1; break; }
            }
        }
        double total = 0;
        for (int i = 0; i < keep; i++) total += probs[order[i]];
        double r = rng.NextDouble() * total, acc = 0;
        for (int i = 0; i < keep; i++)
        {
            acc += probs[order[i]];
            if (r < acc) return order[i];
        }
        return order[keep - 1];
    }

    /// <summary>Index of the largest value (the first one on ties, as llama2.c's argmax).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>softmax(logits / temperature) in double precision.</summary>
    public static double[] Softmax(ReadOnlySpan<float> logits, double temperature = 1.0)
    {
        var p = new double[logits.Length];
        double max = double.NegativeInfinity;
        foreach (var l in logits) max = Math.Max(max, l / temperature);
        double sum = 0;
        for (int i = 0; i < p.Length; i++) sum += p[i] = Math.Exp(logits[i] / temperature - max);
        for (int i = 0; i < p.Length; i++) p[i] /= sum;
        return p;
    }

    /// <summary>The surprisal −log p(x_t | x_&lt;t) of each token after the first, in nats, in one causal forward
    /// pass: the per-token terms whose mean <see cref="Perplexity"/> exponentiates.</summary>
    public static double[] Surprisal(ICausalLanguageModel model, IReadOnlyList<int> ids)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        if (ids.Count < 2) throw new ArgumentException("surprisal needs at least two tokens", nameof(ids));
        if (ids.Count > model.ContextLength)
        {
            var message = $"{ids.Count} tokens exceed the context length {model.ContextLength}";
            throw new ArgumentException(message, nameof(ids));
        }
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var input = torch.tensor(ids.Select(i => (long)i).ToArray(), new long[] { 1, ids.Count });
        var logits = model.Logits(input)[0].narrow(0, 0, ids.Count - 1).to(ScalarType.Float32);
        var targets = input[0].narrow(0, 1, ids.Count - 1);
        var nll = nn.functional.cross_entropy(logits, targets, reduction: nn.Reduction.None);
        return nll.to(ScalarType.Float64).data<double>().ToArray();
    }

    /// <summary>
    /// Perplexity exp(−1/N Σ log p(x_t | x_&lt;t)) of the tokens after the first, in one causal forward pass.
    /// </summary>
    public static double Perplexity(ICausalLanguageModel model, IReadOnlyList<int> ids)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        if (ids.Count < 2) throw new ArgumentException("perplexity needs at least two tokens", nameof(ids));
        if (ids.Count > model.ContextLength)
            throw new ArgumentException(
                $"{ids.Count} tokens exceed the context length {model.ContextLength}", nameof(ids));
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var input = torch.tensor(ids.Select(i => (long)i).ToArray(), new long[] { 1, ids.Count });
        var logits = model.Logits(input)[0].narrow(0, 0, ids.Count - 1).to(ScalarType.Float32);
        var targets = input[0].narrow(0, 1, ids.Count - 1);
        var nll = nn.functional.cross_entropy(logits, targets);
        return Math.Exp(nll.item<float>());
    }
}
