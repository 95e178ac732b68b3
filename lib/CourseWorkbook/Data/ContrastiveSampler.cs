using static TorchSharp.torch;

namespace CourseWorkbook.Data;

/// <summary>
/// Draws index batches for metric learning from a labelled set: random pairs (half similar, half dissimilar) for
/// a siamese net, and (anchor, positive, negative) triplets for a triplet net. Seeded, so runs repeat.
/// </summary>
public sealed class ContrastiveSampler
{
    readonly long[] labels;
    readonly long[][] byClass;
    readonly long[] classes;
    readonly Random rng;

    /// <summary>Indexes <paramref name="labels"/> (int64) by class.</summary>
    public ContrastiveSampler(Tensor labels, int seed)
    {
        this.labels = labels.to_type(ScalarType.Int64).data<long>().ToArray();
        classes = this.labels.Distinct().Order().ToArray();
        if (classes.Length < 2) throw new ArgumentException("contrastive sampling needs at least two classes");
        byClass = classes.Select(c => Enumerable.Range(0, this.labels.Length).Where(i => this.labels[i] == c)
            .Select(i => (long)i).ToArray()).ToArray();
        rng = new Random(seed);
    }

    /// <summary>
    /// A batch of pairs: two index tensors and a float tensor that is 1 for a same-class pair, 0 otherwise.
    /// </summary>
    public (Tensor First, Tensor Second, Tensor Similar) Pairs(int batch)
    {
        var first = new long[batch];
        var second = new long[batch];
        var similar = new float[batch];
        for (int i = 0; i < batch; i++)
        {
            first[i] = rng.Next(labels.Length);
            int c = Array.IndexOf(classes, labels[first[i]]);
            bool same = rng.Next(2) == 0;
            similar[i] = same ? 1 : 0;
            second[i] = Pick(same ? c : OtherClass(c));
        }
        return (tensor(first), tensor(second), tensor(similar));
    }

    /// <summary>A batch of triplets: anchor, positive (same class) and negative (another class) indices.</summary>
    public (Tensor Anchor, Tensor Positive, Tensor Negative) Triplets(int batch)
    {
        var a = new long[batch];
        var p = new long[batch];
        var n = new long[batch];
        for (int i = 0; i < batch; i++)
        {
            a[i] = rng.Next(labels.Length);
            int c = Array.IndexOf(classes, labels[a[i]]);
            p[i] = Pick(c);
            n[i] = Pick(OtherClass(c));
        }
        return (tensor(a), tensor(p), tensor(n));
    }

    /// <summary>A random batch of indices (for plain classification).</summary>
    public Tensor Batch(int batch) =>
        tensor(Enumerable.Range(0, batch).Select(_ => (long)rng.Next(labels.Length)).ToArray());

    long Pick(int classIndex) => byClass[classIndex][rng.Next(byClass[classIndex].Length)];

    int OtherClass(int classIndex) => (classIndex + 1 + rng.Next(classes.Length - 1)) % classes.Length;
}
