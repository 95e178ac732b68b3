using System.Globalization;
using System.Text;
using CourseWorkbook.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Scaling;

/// <summary>A model size of the sweep: a GPT-2 (the zoo's <see cref="Gpt2LMHeadModel"/>) with this many layers and
/// this width, heads of 16 dimensions.</summary>
public sealed record SweepModel(int Layers, int Width)
{
    /// <summary>The GPT-2 config for a vocabulary and a context length.</summary>
    public Gpt2Config Config(int vocab, int context) =>
        new(VocabSize: vocab, NPositions: context, NEmbd: Width, NLayer: Layers, NHead: Math.Max(1, Width / 16));

    /// <summary>Non-embedding parameters (Kaplan et al.'s N): all but the token and position tables; the output
    /// layer is tied to the token table, so it adds none.</summary>
    public long NonEmbeddingParameters(int vocab, int context)
    {
        var c = Config(vocab, context);
        return ParameterCounts.Gpt2(c) - (long)(vocab + context) * Width;
    }
}

/// <summary>How each run of the sweep trains: AdamW, linear warm-up then a cosine decay to a tenth over exactly the
/// run's tokens (Chinchilla's point: the schedule must match the run's length), fresh windows of the language at every
/// step (no repetition), one seed for the initial weights and one for the data.</summary>
public sealed record SweepSettings(int Context = 16, int Batch = 32, double LearningRate = 1e-2,
    double WeightDecay = 0.01,
    int EvalWindows = 256, int Seed = 42, int MinSteps = 20)
{
    /// <summary>Tokens predicted per optimiser step.</summary>
    public int TokensPerStep => Batch * Context;
}

/// <summary>One trained run: the budget it belongs to, the model, N (non-embedding), D (training tokens),
/// C = 6·N·D, the exact training FLOPs (<see cref="Costs.FlopsPerToken"/> × D), and the held-out loss (nats per token,
/// against the language's true next-token distributions) and top-1 accuracy (the model's likeliest next token is the
/// language's likeliest).</summary>
public sealed record SweepResult(double Budget, int Layers, int Width, long N, long Tokens, int Steps, double Flops6ND,
    double FlopsExact, double Loss, double Accuracy)
{
    /// <summary>The run as a point for the fits.</summary>
    public RunPoint Point => new(N, Tokens, Loss);
}

/// <summary>Trains small transformers on a <see cref="MarkovLanguage"/> at fixed FLOP budgets: for a budget C and a
/// model of N non-embedding parameters, D = C / (6N) tokens. The reproduce command tools/ScalingSweep runs the full
/// grid; a notebook re-runs single points with <see cref="Train"/>.</summary>
public static class ScalingSweep
{
    /// <summary>The sizes of the full sweep, about 3 k to 150 k non-embedding parameters.</summary>
    public static IReadOnlyList<SweepModel> Models { get; } =
        [new(1, 16), new(1, 24), new(2, 32), new(2, 48), new(3, 64), new(3, 96)];

    /// <summary>The budgets of the full sweep (FLOPs, 6·N·D).</summary>
    public static IReadOnlyList<double> Budgets { get; } = [3e10, 1e11, 3e11];

    /// <summary>The next budget, for the extrapolation check: ten times the largest budget of the grid.</summary>
    public static double NextBudget => 1e12;

    /// <summary>The IsoFLOP analysis of a sweep: per budget, the parabola through the best run and its
    /// neighbours.</summary>
    public static IsoFlopAnalysis IsoFlops(IEnumerable<SweepResult> results) =>
        IsoFlop.Analyse(results.GroupBy(r => r.Budget)
            .SelectMany(g => IsoFlop.AroundMinimum(g.Select(r => r.Point)).Select(p => (g.Key, p))));

    /// <summary>The size of <see cref="Models"/> whose N is nearest (in log N) to <paramref name="n"/>.</summary>
    public static SweepModel Nearest(double n, int vocab, int context) =>
        Models.MinBy(m => Math.Abs(Math.Log(m.NonEmbeddingParameters(vocab, context)) - Math.Log(n)))!;

    /// <summary>The language of the sweep.</summary>
    public static MarkovLanguage Language() =>
        new(vocab: 8, order: 3, support: 3, concentration: 1.0, noise: 0.02, seed: 7);

    /// <summary>Trains one model on C / (6N) tokens of the language and evaluates it.</summary>
    public static SweepResult Train(MarkovLanguage language, SweepModel size, double budget,
        SweepSettings? settings = null)
    {
        var s = settings ?? new SweepSettings();
        Runtime.TorchRuntime.EnsureLoaded();
        long n = size.NonEmbeddingParameters(language.Vocab, s.Context);
        int steps = Math.Max(s.MinSteps, (int)Math.Round(budget / (6.0 * n * s.TokensPerStep)));
        long tokens = (long)steps * s.TokensPerStep;
        var config = size.Config(language.Vocab, s.Context);
        torch.manual_seed(s.Seed);
        using var model = new Gpt2LMHeadModel(config);
        var optimizer = torch.optim.AdamW(model.parameters(), lr: s.LearningRate, weight_decay: s.WeightDecay);
        var data = new Random(s.Seed + 1);
        int warmup = Math.Max(1, steps / 20);
        model.train();
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            double progress = Math.Max(0, step - warmup) / (double)Math.Max(1, steps - warmup);
            double lr = s.LearningRate
                * (step < warmup ? (step + 1.0) / warmup : 0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * progress)));
            foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
            var windows = language.SampleWindows(s.Batch, s.Context + 1, data);
            var batch = torch.tensor(windows.SelectMany(w => w).Select(t => (long)t).ToArray(),
                [s.Batch, s.Context + 1]);
            var logits = model.call(batch[.., ..^1]);
            var loss = nn.functional.cross_entropy(logits.reshape(-1, language.Vocab), batch[.., 1..].reshape(-1));
            optimizer.zero_grad();
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
        }
        var (evalLoss, accuracy) = Evaluate(model, language, s);
        double exact = Costs.FlopsPerToken(ModelShape.From(config), s.Context).Training * tokens;
        return new SweepResult(budget, size.Layers, size.Width, n, tokens, steps, 6.0 * n * tokens, exact, evalLoss,
            accuracy);
    }

    /// <summary>The held-out loss against the true next-token distributions, −Σ_x P(x | context)·log q(x),
    /// averaged over the positions that see a whole context (t ≥ order − 1), so that its floor is exactly the entropy
    /// rate; and the share of those positions where q's likeliest token is P's.</summary>
    public static (double Loss, double Accuracy) Evaluate(Gpt2LMHeadModel model, MarkovLanguage language,
        SweepSettings s)
    {
        var windows = language.SampleWindows(s.EvalWindows, s.Context, new Random(s.Seed + 1_000_003));
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var ids = torch.tensor(windows.SelectMany(w => w).Select(t => (long)t).ToArray(), [s.EvalWindows, s.Context]);
        var logProbs = nn.functional.log_softmax(model.call(ids), -1).to(ScalarType.Float64).data<double>().ToArray();
        double total = 0;
        int count = 0, correct = 0, v = language.Vocab;
        for (int w = 0; w < windows.Length; w++)
            for (int t = language.Order - 1; t < s.Context; t++)
            {
                var p = language.NextDistribution(language.ContextOf(windows[w], t + 1));
                int offset = (w * s.Context + t) * v, best = 0, truth = 0;
                for (int x = 0; x < v; x++)
                {
                    total -= p[x] * logProbs[offset + x];
                    if (logProbs[offset + x] > logProbs[offset + best]) best = x;
                    if (p[x] > p[truth]) truth = x;
                }
                count++;
                if (best == truth) correct++;
            }
        return (total / count, correct / (double)count);
    }

    /// <summary>The CSV header of <see cref="ToCsv"/>.</summary>
    public const string CsvHeader = "budget,layers,width,n,tokens,steps,flops_6nd,flops_exact,loss,accuracy";

    /// <summary>The results as CSV (invariant culture, round-trip doubles: reruns compare byte for byte).</summary>
    public static string ToCsv(IEnumerable<SweepResult> results)
    {
        var sb = new StringBuilder(CsvHeader).Append('\n');
        foreach (var r in results)
            sb.Append(string.Join(",", R(r.Budget), r.Layers, r.Width, r.N, r.Tokens, r.Steps, R(r.Flops6ND),
                R(r.FlopsExact), R(r.Loss), R(r.Accuracy))).Append('\n');
        return sb.ToString();
    }

    static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Reads <see cref="ToCsv"/>'s format; a bad line is reported with the file and line number.</summary>
    public static IReadOnlyList<SweepResult> ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != CsvHeader)
            throw new InvalidDataException($"{path}: line 1 should be the header '{CsvHeader}'");
        var results = new List<SweepResult>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var f = lines[i].Split(',');
            try
            {
                if (f.Length != 10) throw new FormatException($"{f.Length} fields instead of 10");
                double D(int k) => double.Parse(f[k], CultureInfo.InvariantCulture);
                long L(int k) => long.Parse(f[k], CultureInfo.InvariantCulture);
                results.Add(new SweepResult(D(0), (int)L(1), (int)L(2), L(3), L(4), (int)L(5), D(6), D(7), D(8), D(9)));
            }
            catch (FormatException ex) { throw new InvalidDataException($"{path}: line {i + 1}: {ex.Message}", ex); }
        }
        return results;
    }

    /// <summary>The folder data/scaling, found above the current directory or the library (null when absent).</summary>
    public static string? DataFolder =>
        Runtime.WorkbookPaths.FindAbove([Environment.CurrentDirectory, AppContext.BaseDirectory,
            Path.GetDirectoryName(typeof(ScalingSweep).Assembly.Location)], Path.Combine("data", "scaling"),
            Directory.Exists);
}
