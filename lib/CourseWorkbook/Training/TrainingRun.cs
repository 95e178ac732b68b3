using CourseWorkbook.Plotting;

namespace CourseWorkbook.Training;

/// <summary>One point of a validation curve: after <paramref name="Step"/> steps and <paramref name="Tokens"/>
/// training tokens, the held-out loss.</summary>
public sealed record ValidationPoint(int Step, long Tokens, double Loss);

/// <summary>
/// The record of one training run of a language model: per step the training loss as the loop computed it, the
/// tokens seen so far and whether the model was in train mode; at some steps the held-out loss. Written to TensorBoard
/// as it goes when a log is given; drawn by step or by tokens seen, so runs with different batch sizes compare.
/// </summary>
public sealed class TrainingRun(string name, int batchSize, TensorBoardLog? log = null)
{
    readonly List<int> steps = [];
    readonly List<long> tokens = [];
    readonly List<double> losses = [];
    readonly List<bool> trainMode = [];
    readonly List<ValidationPoint> validation = [];

    /// <summary>The run's name (TensorBoard tag prefix and legend).</summary>
    public string Name { get; } = name;
    /// <summary>Sequences per step.</summary>
    public int BatchSize { get; } = batchSize;
    /// <summary>Training loss at each step, as the loop computed it.</summary>
    public IReadOnlyList<double> Losses => losses;
    /// <summary>Training tokens seen after each step.</summary>
    public IReadOnlyList<long> TokensSeen => tokens;
    /// <summary>The held-out losses.</summary>
    public IReadOnlyList<ValidationPoint> Validation => validation;
    /// <summary>Share of steps taken with the model in train mode.</summary>
    public double TrainModeShare =>
        trainMode.Count == 0 ? double.NaN : trainMode.Count(m => m) / (double)trainMode.Count;
    /// <summary>The last held-out loss.</summary>
    public double FinalValidation => validation[^1].Loss;

    /// <summary>Records a training step that saw <paramref name="batchTokens"/> tokens.</summary>
    public void Step(int step, long batchTokens, double loss, bool inTrainMode)
    {
        steps.Add(step);
        tokens.Add((tokens.Count == 0 ? 0 : tokens[^1]) + batchTokens);
        losses.Add(loss);
        trainMode.Add(inTrainMode);
        log?.Scalar($"{Name}/train_loss", loss, step);
    }

    /// <summary>Records the held-out loss after <paramref name="step"/> steps.</summary>
    public void Validate(int step, double loss)
    {
        long seen = step == 0 || tokens.Count == 0 ? 0 : tokens[Math.Min(step, tokens.Count) - 1];
        validation.Add(new ValidationPoint(step, seen, loss));
        log?.Scalar($"{Name}/validation_loss", loss, step);
    }

    /// <summary>Step-to-step noise of the training loss: the standard deviation of loss[t+1] − loss[t] divided by √2
    /// (the spread of one mini-batch's loss around the trend).</summary>
    public double StepNoise()
    {
        var d = losses.Zip(losses.Skip(1), (a, b) => b - a).ToArray();
        if (d.Length < 2) return double.NaN;
        double mean = d.Average();
        return Math.Sqrt(d.Sum(x => (x - mean) * (x - mean)) / (d.Length - 1) / 2);
    }

    /// <summary>The held-out losses of several runs against the step.</summary>
    public static Chart ByStep(string title, params TrainingRun[] runs) =>
        Plot.Line(title, "optimizer step", "held-out loss", runs.Select(r => new Series(r.Name,
            r.validation.Select(v => (double)v.Step).ToArray(), r.validation.Select(v => v.Loss).ToArray())).ToArray());

    /// <summary>The held-out losses of several runs against the training tokens seen.</summary>
    public static Chart ByTokens(string title, params TrainingRun[] runs) => Plot.Line(title, "training tokens seen",
        "held-out loss", runs.Select(r => new Series(r.Name, r.validation.Select(v => (double)v.Tokens).ToArray(),
            r.validation.Select(v => v.Loss).ToArray())).ToArray());

    /// <summary>The training loss each step, as the loop computed it, for several runs.</summary>
    public static Chart TrainingLoss(string title, params TrainingRun[] runs) => Plot.Line(title, "optimizer step",
        "training loss (as computed by the loop)", runs.Select(r => new Series(r.Name,
            r.steps.Select(s => (double)s).ToArray(), r.losses.ToArray())).ToArray());

    /// <summary>The training loss each step against the training tokens seen, for several runs (its spread is the
    /// mini-batch noise).</summary>
    public static Chart TrainingLossByTokens(string title, params TrainingRun[] runs) => Plot.Line(title,
        "training tokens seen", "training loss (as computed by the loop)", runs.Select(r => new Series(r.Name,
            r.tokens.Select(t => (double)t).ToArray(), r.losses.ToArray())).ToArray());

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {steps.Count} steps, {(tokens.Count > 0 ? tokens[^1] : 0)} tokens, "
        + $"held-out loss {(validation.Count > 0 ? validation[^1].Loss : double.NaN):F3}";
}
