using CourseWorkbook.Data;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Data;

public class ContrastiveSamplerTests : TorchTest
{
    static readonly Tensor Labels = tensor(new long[] { 0, 0, 0, 1, 1, 2, 2, 2, 2, 5 });

    [Fact]
    public void Triplets_have_same_class_positives_and_other_class_negatives()
    {
        var y = Labels.data<long>().ToArray();
        var (a, p, n) = new ContrastiveSampler(Labels, seed: 1).Triplets(500);
        var (ai, pi, ni) = (a.data<long>().ToArray(), p.data<long>().ToArray(), n.data<long>().ToArray());
        for (int i = 0; i < 500; i++)
        {
            Assert.Equal(y[ai[i]], y[pi[i]]);
            Assert.NotEqual(y[ai[i]], y[ni[i]]);
        }
        // Every other class shows up as a negative of class 0.
        var negativesOf0 = Enumerable.Range(0, 500).Where(i => y[ai[i]] == 0).Select(i => y[ni[i]]).ToHashSet();
        Assert.Equal(new HashSet<long> { 1, 2, 5 }, negativesOf0);
    }

    [Fact]
    public void Pairs_are_labelled_by_whether_classes_match_and_are_balanced()
    {
        var y = Labels.data<long>().ToArray();
        var (f, s, sim) = new ContrastiveSampler(Labels, seed: 2).Pairs(1000);
        var (fi, si, simi) = (f.data<long>().ToArray(), s.data<long>().ToArray(), sim.data<float>().ToArray());
        for (int i = 0; i < 1000; i++) Assert.Equal(y[fi[i]] == y[si[i]] ? 1f : 0f, simi[i]);
        Assert.InRange(simi.Average(), 0.45, 0.55);
    }

    [Fact]
    public void Same_seed_same_batches()
    {
        var (a1, _, _) = new ContrastiveSampler(Labels, 3).Triplets(20);
        var (a2, _, _) = new ContrastiveSampler(Labels, 3).Triplets(20);
        Assert.Equal(a1.data<long>().ToArray(), a2.data<long>().ToArray());
    }

    [Fact]
    public void One_class_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new ContrastiveSampler(tensor(new long[] { 4, 4 }), 0));
    }
}
