using CourseWorkbook.Peft;
using CourseWorkbook.Training;

namespace CourseWorkbook.Tests.Peft;

/// <summary>Gain and forgetting along a run (exercise 08.3's reference) against values worked by hand, and
/// data/peft/long-runs.json's format: written and read back unchanged, the shipped file valid, a malformed file
/// rejected with the file and the entry named.</summary>
public class LongRunsTests
{
    static List<ValidationPoint> Curve(params (int Step, double Loss)[] points) =>
        points.Select(p => new ValidationPoint(p.Step, 0, p.Loss)).ToList();

    static LongRuns Sample() => new("stories260K", 10, 20, 10, 8,
    [
        new("Full fine-tuning", 1e-3, 260_032, [new(0, 3.3, 1.1), new(10, 1.5, 2.1), new(20, 1.25, 2.5)]),
        new("LoRA", 5e-3, 46_240, [new(0, 3.3, 1.1), new(10, 1.6, 2.0), new(20, 1.7, 2.25)]),
    ]);

    [Fact]
    public void Gain_and_forgetting_are_measured_from_step_0()
    {
        var t = LongRuns.Trajectory(Curve((0, 3.0), (10, 2.0), (20, 2.5)), Curve((0, 1.0), (10, 1.75), (20, 1.5)));
        Assert.Equal([0, 10, 20], t.Select(p => p.Step));
        Assert.Equal([0.0, 1.0, 0.5], t.Select(p => p.Gain));          // 3 − 3, 3 − 2, 3 − 2.5
        Assert.Equal([0.0, 0.75, 0.5], t.Select(p => p.Forgetting));   // 1 − 1, 1.75 − 1, 1.5 − 1
    }

    [Fact]
    public void Curves_measured_at_different_steps_are_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            LongRuns.Trajectory(Curve((0, 3.0), (10, 2.0)), Curve((0, 1.0), (5, 1.5))));
        Assert.Contains("evaluation 1: step 10 on the target, 5 on the original text", e.Message);
        Assert.Throws<ArgumentException>(() => LongRuns.Trajectory(Curve((0, 3.0)), Curve((0, 1.0), (5, 1.5))));
        Assert.Throws<ArgumentException>(() => LongRuns.Trajectory(Curve(), Curve()));
    }

    [Fact]
    public void A_file_reads_back_as_written_and_its_curves_give_the_trajectory()
    {
        var json = Sample().ToJson();
        var back = LongRuns.Parse(json);
        Assert.Equal(json, back.ToJson());
        Assert.Contains("\"original_loss\": 2.25", json);
        var lora = back.Run("LoRA");
        Assert.Equal(2.0, lora.At(10).OriginalLoss);
        var t = LongRuns.Trajectory(lora.Target, lora.Original);
        Assert.Equal(1.6, t[^1].Gain, 12);          // 3.3 − 1.7
        Assert.Equal(1.15, t[^1].Forgetting, 12);   // 2.25 − 1.1
        Assert.Throws<KeyNotFoundException>(() => back.Run("DoRA"));
        Assert.Throws<ArgumentOutOfRangeException>(() => lora.At(15));
    }

    [Theory]
    [InlineData("\"step\": 10,", "\"step\": 15,", "evaluations must be at steps 0, 10, ... 20")]
    [InlineData("\"original_loss\": 2.25", "\"original_loss\": -1", "losses must be finite")]
    [InlineData("\"trainable\": 46240", "\"trainable\": 0", "runs[1] (LoRA)")]
    [InlineData("\"method\": \"LoRA\"", "\"method\": \"Full fine-tuning\"", "a method appears twice")]
    [InlineData("\"eval_every\": 10", "\"eval_every\": 0", "settings")]
    public void A_malformed_entry_is_rejected_with_the_file_and_the_entry_named(string from, string to,
        string message)
    {
        var json = Sample().ToJson();
        Assert.Contains(from, json);
        var e = Assert.Throws<InvalidDataException>(() =>
            LongRuns.Parse(json.Replace(from, to), "data/peft/long-runs.json"));
        Assert.StartsWith("data/peft/long-runs.json: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void The_shipped_file_holds_four_budgets_of_full_fine_tuning_and_LoRA()
    {
        var runs = LongRuns.Read();
        Assert.Equal((40, 160, 10), (runs.BudgetSteps, runs.Steps, runs.EvalEvery));
        Assert.Equal(["Full fine-tuning", "LoRA"], runs.Runs.Select(r => r.Method));
        Assert.Equal([260_032L, 46_240L], runs.Runs.Select(r => r.Trainable));   // notebook 08's counts
        foreach (var r in runs.Runs)
        {
            var t = LongRuns.Trajectory(r.Target, r.Original);
            Assert.Equal(17, t.Count);
            Assert.True(t[^1].Forgetting > t[4].Forgetting, $"{r.Method}: forgetting grows after the budget");
        }
    }
}
