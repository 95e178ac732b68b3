using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Training;

/// <summary>The loss at initialisation next to ln V, the loss of a uniform guess over the V tokens of the vocabulary:
/// a randomly initialised model should start within a few percent of it.</summary>
public sealed record InitialLossCheck(string Model, double Loss, int VocabSize)
{
    /// <summary>ln V.</summary>
    public double LnV => Math.Log(VocabSize);
    /// <summary>(loss − ln V) / ln V: about 0 for a random model, negative for a model that already knows
    /// something.</summary>
    public double RelativeGap => (Loss - LnV) / LnV;
}

/// <summary>The first checks of "37 reasons why your neural network is not working": the loss at initialisation,
/// an input-independent baseline, and overfitting a single batch.</summary>
public static class LossDiagnostics
{
    /// <summary>The loss of a model before any training, with ln V for comparison.</summary>
    public static InitialLossCheck InitialLoss(string model, double loss, int vocabSize) => new(model, loss, vocabSize);

    /// <summary>The best loss a model can reach without looking at its input: always predicting the unigram
    /// distribution of the next tokens, i.e. their entropy (nats). A trained model must beat it; a loop that
    /// cannot is not feeding the inputs through. <paramref name="sequences"/> are BOS … EOS token lists; the
    /// predicted tokens are all but the first of each.</summary>
    public static double UnigramBaseline(IEnumerable<long[]> sequences)
    {
        var counts = new Dictionary<long, long>();
        long total = 0;
        foreach (var s in sequences)
            for (int i = 1; i < s.Length; i++)
            {
                counts[s[i]] = counts.GetValueOrDefault(s[i]) + 1;
                total++;
            }
        if (total == 0) throw new ArgumentException("no predicted tokens", nameof(sequences));
        return -counts.Values.Sum(c => (double)c / total * Math.Log((double)c / total));
    }

    /// <summary>Trains on one fixed batch with AdamW: a working model and loop drive the loss towards 0. If it does
    /// not go down, the bug is in the model, the loss or the loop — not in the data or the hyper-parameters.</summary>
    public static TrainingCurve OverfitOneBatch(string name, nn.Module model, Func<Tensor> loss, int steps,
        double lr = 1e-2, int logEvery = 5)
    {
        var optimizer = optim.AdamW(model.parameters(), lr, weight_decay: 0);
        return TrainingLoop.Run(name, steps, optimizer, _ => loss(), logEvery: logEvery);
    }
}
