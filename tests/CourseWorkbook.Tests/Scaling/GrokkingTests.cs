using CourseWorkbook.Scaling;

namespace CourseWorkbook.Tests.Scaling;

/// <summary>The modular-addition split is exact and seeded, and a short grokking run repeats number for number.</summary>
[Collection(TorchRandomCollection.Name)]
public class GrokkingTests : TorchTest
{
    [Fact]
    public void Split_partitions_all_pairs_with_the_requested_share_for_training()
    {
        var split = Grokking.Split(modulus: 7, trainFraction: 0.4, seed: 3);
        Assert.Equal(20, split.Train.Count);   // round(0.4 · 49) = 19.6 → 20
        Assert.Equal(29, split.Test.Count);
        var all = split.Train.Concat(split.Test).ToHashSet();
        Assert.Equal(49, all.Count);           // no pair twice: train and test are disjoint
        Assert.All(all, p => Assert.True(p.A is >= 0 and < 7 && p.B is >= 0 and < 7));
    }

    [Fact]
    public void Same_seed_gives_the_same_split_and_another_seed_another()
    {
        var a = Grokking.Split(23, 0.6, 0);
        Assert.Equal(a.Train, Grokking.Split(23, 0.6, 0).Train);
        Assert.NotEqual(a.Train, Grokking.Split(23, 0.6, 1).Train);
    }

    [Fact]
    public void Eval_steps_are_increasing_log_spaced_and_end_at_the_last_step()
    {
        var steps = Grokking.EvalSteps(1000);
        Assert.Equal(Enumerable.Range(1, 10), steps.Take(10));
        Assert.Equal(1000, steps[^1]);
        Assert.True(steps.Zip(steps.Skip(1)).All(p => p.Second > p.First));
        Assert.Equal(70, Grokking.EvalSteps(10000).Count);   // 10 single steps, then 20 per decade to 10⁴
    }

    [Fact]
    public void A_short_run_is_repeatable_and_memorises_the_training_pairs_first()
    {
        var s = new GrokkingSettings(Steps: 60);
        var a = Grokking.Train(s);
        var b = Grokking.Train(s);
        Assert.Equal(a, b);
        Assert.Equal(1.0, a[^1].TrainAccuracy);
        Assert.True(a[^1].TestAccuracy < 0.2, $"test accuracy {a[^1].TestAccuracy} at step 60: not grokked yet");
        Assert.True(a[^1].TrainLoss < a[0].TrainLoss);
    }

    [Fact]
    public void Csv_round_trips()
    {
        var points = new[] { new GrokkingPoint(1.0, 1, 0.1, 0.004347826086956522, 3.14159),
            new GrokkingPoint(0.0, 10000, 1.0, 0.0, 1e-7) };
        var path = Path.GetTempFileName();
        File.WriteAllText(path, Grokking.ToCsv(points));
        Assert.Equal(points, Grokking.ReadCsv(path));
        File.Delete(path);
    }
}
