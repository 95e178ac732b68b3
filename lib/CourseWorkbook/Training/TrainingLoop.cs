using CourseWorkbook.Notebook;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Training;

/// <summary>A loss curve: the loss recorded at each logged step.</summary>
public sealed record TrainingCurve(string Name, IReadOnlyList<int> Steps, IReadOnlyList<double> Losses)
{
    /// <summary>The steps as doubles, for a chart's x axis.</summary>
    public double[] StepsAsDoubles => Steps.Select(s => (double)s).ToArray();

    /// <summary>Loss at the last logged step.</summary>
    public double Final => Losses[^1];

    /// <summary>Mean loss of the last <paramref name="fraction"/> of logged steps (smooths mini-batch noise).</summary>
    public double Tail(double fraction = 0.1)
    {
        int n = Math.Max(1, (int)(Losses.Count * fraction));
        return Losses.Skip(Losses.Count - n).Average();
    }

    /// <summary>The losses averaged over a sliding window of <paramref name="window"/> logged points (the first
    /// points average over what is available), to see the trend through mini-batch noise.</summary>
    public double[] Smoothed(int window = 10)
    {
        var result = new double[Losses.Count];
        double sum = 0;
        for (int i = 0; i < Losses.Count; i++)
        {
            sum += Losses[i];
            if (i >= window) sum -= Losses[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }

    /// <summary>The curve as a chart: the logged losses and their moving average.</summary>
    public Plotting.Chart Chart(int window = 10) => Plotting.Plot.Line($"{Name}: training loss", "step", "loss",
        new Plotting.Series($"{Name} (per batch)", StepsAsDoubles, Losses),
        new Plotting.Series($"{Name} (mean of {window})", StepsAsDoubles, Smoothed(window)));

    public override string ToString() => $"{Name}: {Steps.Count} points, first {Losses[0]:F4}, final {Final:F4}";
}

/// <summary>
/// The plain training loop of every practical: for each step, compute the loss, zero the gradients, backpropagate,
/// step the optimiser; free the step's tensors; record the curve, show progress and (optionally) write TensorBoard
/// scalars. The loss itself stays in the notebook, as a lambda, where the student can read it.
/// </summary>
public static class TrainingLoop
{
    /// <summary>
    /// Runs <paramref name="steps"/> optimisation steps of <paramref name="loss"/> (given the step index).
    /// </summary>
    public static TrainingCurve Run(string name, int steps, torch.optim.Optimizer optimizer, Func<int, Tensor> loss,
        TensorBoardLog? log = null, int logEvery = 10)
    {
        var xs = new List<int>();
        var ys = new List<double>();
        using var progress = Progress.Start(name, steps);
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var value = loss(step);
            value.backward();
            optimizer.step();
            if (step % logEvery == 0 || step == steps - 1)
            {
                double v = value.to(ScalarType.Float64).item<double>();
                if (!double.IsFinite(v))
                    throw new InvalidOperationException($"{name}: the loss became {v} at step {step}");
                xs.Add(step);
                ys.Add(v);
                log?.Scalar($"{name}/loss", v, step);
                progress.Report(step + 1, $"loss {v:F4}");
            }
        }
        return new TrainingCurve(name, xs, ys);
    }
}
