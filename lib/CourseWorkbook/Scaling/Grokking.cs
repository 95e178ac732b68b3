using System.Globalization;
using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace CourseWorkbook.Scaling;

/// <summary>How a grokking run trains: (a + b) mod Modulus, a fraction of all pairs for training, full-batch AdamW.
/// Strong weight decay is what makes the network leave the memorising solution for the general one.</summary>
public sealed record GrokkingSettings(int Modulus = 23, double TrainFraction = 0.6, int Embedding = 32,
    int Hidden = 128, double LearningRate = 1e-2, double WeightDecay = 1.0, int Steps = 10000, int Seed = 0);

/// <summary>Accuracy and loss after a given number of optimiser steps.</summary>
public sealed record GrokkingPoint(double WeightDecay, int Step, double TrainAccuracy, double TestAccuracy,
    double TrainLoss);

/// <summary>The pairs (a, b) of one split, with their answers (a + b) mod P.</summary>
public sealed record ModularSplit(IReadOnlyList<(int A, int B)> Train, IReadOnlyList<(int A, int B)> Test);

/// <summary>The model: one embedding table shared by a and b, their two vectors concatenated, then an MLP with one
/// hidden ReLU layer that scores the P possible answers.</summary>
public sealed class ModularAdditionMlp : Module<Tensor, Tensor, Tensor>
{
    private readonly Embedding embed;
    private readonly Linear hidden, output;

    /// <summary>Embedding P × d, hidden layer 2d → h, output h → P.</summary>
    public ModularAdditionMlp(int modulus, int embedding, int hiddenUnits) : base(nameof(ModularAdditionMlp))
    {
        embed = nn.Embedding(modulus, embedding);
        hidden = nn.Linear(2 * embedding, hiddenUnits);
        output = nn.Linear(hiddenUnits, modulus);
        RegisterComponents();
    }

    /// <summary>Logits over the answers for a batch of (a, b).</summary>
    public override Tensor forward(Tensor a, Tensor b) =>
        output.forward(nn.functional.relu(hidden.forward(cat([embed.forward(a), embed.forward(b)], 1))));
}

/// <summary>Grokking (Power et al. 2022): on a small algorithmic task a network reaches 100 % training accuracy
/// quickly by memorising, and only much later, under weight decay, jumps to 100 % test accuracy.</summary>
public static class Grokking
{
    /// <summary>All P² pairs, shuffled by a seeded Fisher–Yates, the first round(fraction·P²) for training.</summary>
    public static ModularSplit Split(int modulus, double trainFraction, int seed)
    {
        var pairs = new List<(int A, int B)>(modulus * modulus);
        for (int a = 0; a < modulus; a++)
            for (int b = 0; b < modulus; b++) pairs.Add((a, b));
        var rng = new Random(seed);
        for (int i = pairs.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (pairs[i], pairs[j]) = (pairs[j], pairs[i]);
        }
        int train = (int)Math.Round(trainFraction * pairs.Count);
        return new ModularSplit(pairs.Take(train).ToList(), pairs.Skip(train).ToList());
    }

    /// <summary>The steps at which a run is measured: every step to 10, then about 20 per
    /// decade (log-spaced).</summary>
    public static IReadOnlyList<int> EvalSteps(int steps) =>
        Enumerable.Range(0, 200).Select(k => (int)Math.Round(Math.Pow(10, k / 20.0)))
            .Where(s => s <= steps).Append(steps).Distinct().ToList();

    /// <summary>Trains from a seeded initialisation and measures at <see cref="EvalSteps"/>: full-batch AdamW
    /// (β = 0.9, 0.98) on the cross-entropy of the training pairs. Set torch's threads to 1
    /// for identical bytes.</summary>
    public static IReadOnlyList<GrokkingPoint> Train(GrokkingSettings s)
    {
        var split = Split(s.Modulus, s.TrainFraction, s.Seed);
        torch.manual_seed(s.Seed);
        using var model = new ModularAdditionMlp(s.Modulus, s.Embedding, s.Hidden);
        using var optimizer = torch.optim.AdamW(model.parameters(), lr: s.LearningRate, beta1: 0.9, beta2: 0.98,
            weight_decay: s.WeightDecay);
        using var trainA = tensor(split.Train.Select(p => (long)p.A).ToArray());
        using var trainB = tensor(split.Train.Select(p => (long)p.B).ToArray());
        using var trainY = tensor(split.Train.Select(p => (long)((p.A + p.B) % s.Modulus)).ToArray());
        using var testA = tensor(split.Test.Select(p => (long)p.A).ToArray());
        using var testB = tensor(split.Test.Select(p => (long)p.B).ToArray());
        using var testY = tensor(split.Test.Select(p => (long)((p.A + p.B) % s.Modulus)).ToArray());
        var evalAt = new HashSet<int>(EvalSteps(s.Steps));
        var points = new List<GrokkingPoint>();
        for (int step = 1; step <= s.Steps; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(model.forward(trainA, trainB), trainY);
            loss.backward();
            optimizer.step();
            if (!evalAt.Contains(step)) continue;
            using var noGrad = no_grad();
            points.Add(new GrokkingPoint(s.WeightDecay, step, Accuracy(model, trainA, trainB, trainY),
                Accuracy(model, testA, testB, testY), loss.item<float>()));
        }
        return points;
    }

    static double Accuracy(ModularAdditionMlp model, Tensor a, Tensor b, Tensor y) =>
        model.forward(a, b).argmax(1).eq(y).to_type(ScalarType.Float64).mean().item<double>();

    /// <summary>The first measured step with accuracy ≥ threshold (train or test), or null if none.</summary>
    public static int? FirstStep(IEnumerable<GrokkingPoint> run, double threshold, bool test) =>
        run.FirstOrDefault(p => (test ? p.TestAccuracy : p.TrainAccuracy) >= threshold)?.Step;

    /// <summary>The runs as CSV (weight_decay,step,train_accuracy,test_accuracy,train_loss), invariant culture,
    /// round-trip doubles: what tools/Grokking writes to data/scaling/grokking.csv.</summary>
    public static string ToCsv(IEnumerable<GrokkingPoint> points)
    {
        var sb = new StringBuilder("weight_decay,step,train_accuracy,test_accuracy,train_loss\n");
        static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        foreach (var p in points)
            sb.Append(string.Join(",", R(p.WeightDecay), p.Step.ToString(CultureInfo.InvariantCulture),
                R(p.TrainAccuracy), R(p.TestAccuracy), R(p.TrainLoss))).Append('\n');
        return sb.ToString();
    }

    /// <summary>Reads what <see cref="ToCsv"/> wrote.</summary>
    public static IReadOnlyList<GrokkingPoint> ReadCsv(string path) =>
        File.ReadLines(path).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(','))
            .Select(f => new GrokkingPoint(double.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1],
                CultureInfo.InvariantCulture), double.Parse(f[2], CultureInfo.InvariantCulture),
                double.Parse(f[3], CultureInfo.InvariantCulture), double.Parse(f[4], CultureInfo.InvariantCulture)))
            .ToList();
}
