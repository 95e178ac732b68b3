using System.Text.Json;
using CourseWorkbook.Training;

namespace CourseWorkbook.Peft;

/// <summary>Where a fine-tuning run stood at one held-out evaluation: what it had gained on the new domain and
/// forgotten of the original one since step 0 (nats per token; gain &gt; 0 = better on the new domain, forgetting
/// &gt; 0 = worse on the original text).</summary>
public sealed record ForgettingPoint(int Step, double Gain, double Forgetting);

/// <summary>One evaluation of a long run as stored: the step and the held-out losses on the log (target) and on the
/// model's own stories (original).</summary>
public sealed record LongRunPoint(int Step, double TargetLoss, double OriginalLoss);

/// <summary>One long run: a method, its learning rate and trainable count, and its evaluations from step 0 to the
/// last.</summary>
public sealed record LongRun(string Method, double LearningRate, long Trainable, IReadOnlyList<LongRunPoint> Points)
{
    /// <summary>The stored form of a fine-tuning result (its two recorded curves, step by step).</summary>
    public static LongRun From(FineTuneResult r, double learningRate) => new(r.Method, learningRate,
        r.TrainableParameters, r.Run.Validation.Zip(r.Original.Validation,
            (t, o) => new LongRunPoint(t.Step, t.Loss, o.Loss)).ToList());

    /// <summary>The held-out loss on the log at each evaluation.</summary>
    public IReadOnlyList<ValidationPoint> Target => Points.Select(p => new ValidationPoint(p.Step, 0, p.TargetLoss))
        .ToList();

    /// <summary>The held-out loss on the original text at each evaluation.</summary>
    public IReadOnlyList<ValidationPoint> Original => Points
        .Select(p => new ValidationPoint(p.Step, 0, p.OriginalLoss)).ToList();

    /// <summary>The evaluation at <paramref name="step"/>.</summary>
    public LongRunPoint At(int step) => Points.FirstOrDefault(p => p.Step == step)
        ?? throw new ArgumentOutOfRangeException(nameof(step), step, $"{Method}: no evaluation at step {step}");
}

/// <summary>
/// Practical 08's long runs (data/peft/long-runs.json, written by tools/PeftLongRun): full fine-tuning and LoRA of
/// sections 4 and 6 trained for several times the notebook's budget, evaluated every few steps, to see whether
/// forgetting keeps growing and whether the target keeps improving. <see cref="Trajectory"/> turns two recorded
/// curves into gain and forgetting per evaluation (the reference answer of exercise 08.3).
/// </summary>
public sealed record LongRuns(string Model, int BudgetSteps, int Steps, int EvalEvery, int BatchSize,
    IReadOnlyList<LongRun> Runs)
{
    /// <summary>The file's name in data/peft.</summary>
    public const string FileName = "long-runs.json";

    static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true,
        RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true,
    };

    /// <summary>Gain and forgetting at each evaluation of a run, from its held-out curves on the new domain
    /// (<paramref name="target"/>) and on the original text (<paramref name="original"/>), both measured at the same
    /// steps: gain = target loss at step 0 − target loss then, forgetting = original loss then − original loss at
    /// step 0.</summary>
    public static IReadOnlyList<ForgettingPoint> Trajectory(IReadOnlyList<ValidationPoint> target,
        IReadOnlyList<ValidationPoint> original)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(original);
        if (target.Count == 0) throw new ArgumentException("the target curve has no evaluation", nameof(target));
        if (target.Count != original.Count)
            throw new ArgumentException($"the curves differ in length: {target.Count} target evaluations, "
                + $"{original.Count} on the original text", nameof(original));
        for (int i = 0; i < target.Count; i++)
            if (target[i].Step != original[i].Step)
                throw new ArgumentException($"evaluation {i}: step {target[i].Step} on the target, "
                    + $"{original[i].Step} on the original text", nameof(original));
        return target.Zip(original, (t, o) => new ForgettingPoint(t.Step, target[0].Loss - t.Loss,
            o.Loss - original[0].Loss)).ToList();
    }

    /// <summary>The run of <paramref name="method"/>.</summary>
    public LongRun Run(string method) => Runs.SingleOrDefault(r => r.Method == method)
        ?? throw new KeyNotFoundException($"no long run named '{method}' (have: "
            + string.Join(", ", Runs.Select(r => r.Method)) + ")");

    /// <summary>The data/peft folder holding long-runs.json (walking up from the notebook, the library, the current
    /// directory), or null.</summary>
    public static string? DataFolder => Runtime.WorkbookPaths.DataFolder("peft", FileName);

    /// <summary>The file's text: indented JSON, snake_case names, numbers in their shortest round-trip form, one
    /// final newline (the same results give the same bytes).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Options).ReplaceLineEndings("\n") + "\n";

    /// <summary>Parses <paramref name="json"/> (<paramref name="path"/> names it in errors) and checks it.</summary>
    public static LongRuns Parse(string json, string path = FileName)
    {
        LongRuns? runs;
        try { runs = JsonSerializer.Deserialize<LongRuns>(json, Options); }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a long-runs file: {e.Message}", e);
        }
        if (runs is null) throw new InvalidDataException($"{path}: empty (the JSON is null)");
        runs.Validate(path);
        return runs;
    }

    /// <summary>Reads and checks a long-runs file (default: data/peft/long-runs.json).</summary>
    public static LongRuns Read(string? path = null)
    {
        path ??= Path.Combine(DataFolder ?? throw new DirectoryNotFoundException(
            $"data/peft/{FileName} not found above the notebook, the library or the current directory"), FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such long-runs file", path);
        return Parse(File.ReadAllText(path), path);
    }

    void Validate(string path)
    {
        void Check(bool ok, string where, string what)
        {
            if (!ok) throw new InvalidDataException($"{path}: {where}: {what}");
        }
        Check(BudgetSteps > 0 && Steps >= BudgetSteps && EvalEvery > 0 && BatchSize > 0, "settings",
            "budget_steps, eval_every and batch_size must be positive and steps at least the budget");
        Check(Runs.Count > 0, "runs", "no runs");
        Check(Runs.Select(r => r.Method).Distinct().Count() == Runs.Count, "runs", "a method appears twice");
        for (int i = 0; i < Runs.Count; i++)
        {
            var r = Runs[i];
            string where = $"runs[{i}] ({r.Method})";
            Check(r.Trainable > 0 && r.LearningRate > 0, where, "trainable and learning_rate must be positive");
            var expected = Enumerable.Range(0, Steps / EvalEvery + 1).Select(k => k * EvalEvery).ToList();
            if (Steps % EvalEvery != 0) expected.Add(Steps);
            Check(r.Points.Select(p => p.Step).SequenceEqual(expected), where,
                $"evaluations must be at steps 0, {EvalEvery}, ... {Steps}");
            Check(r.Points.All(p => double.IsFinite(p.TargetLoss) && double.IsFinite(p.OriginalLoss)
                && p.TargetLoss >= 0 && p.OriginalLoss >= 0), where, "losses must be finite and non-negative");
        }
    }
}
