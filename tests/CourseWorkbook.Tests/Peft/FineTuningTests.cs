using CourseWorkbook.Peft;
using CourseWorkbook.Tests.Training;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Peft;

[Collection(TorchRandomCollection.Name)]
public class FineTuningTests : TorchTest
{
    static readonly List<long[]> Target = [[1, 4, 5, 6, 2], [1, 4, 5, 7, 2], [1, 4, 5, 6, 6, 2], [1, 4, 5, 8, 2]];
    static readonly List<long[]> Original = [[1, 9, 10, 11, 2], [1, 12, 13, 2]];

    [Fact]
    public void Lora_lowers_the_target_loss_records_both_curves_and_the_same_seed_gives_the_same_numbers()
    {
        FineTuneResult Once()
        {
            var model = TinyLlama.Create();
            manual_seed(0);
            LoraModel.Inject(model, new LoraConfig(2, 4, 0, LoraConfig.AllLinear));
            return FineTuning.Run("lora", model, Target, Target, Original, new FineTuneSettings(20, 2, 1e-2, EvalEvery: 5));
        }
        var a = Once();
        Assert.True(a.TargetAfter < a.TargetBefore - 0.1, $"{a.TargetBefore} → {a.TargetAfter}");
        Assert.Equal(20, a.Run.Losses.Count);
        Assert.Equal([0, 5, 10, 15, 20], a.Run.Validation.Select(v => v.Step));
        Assert.Equal(a.Run.Validation.Select(v => v.Step), a.Original.Validation.Select(v => v.Step));
        Assert.Equal(a.OriginalAfter, a.Original.Validation[^1].Loss);
        Assert.Equal(a.TrainableParameters * 8, a.Memory.GradientBytes);
        var b = Once();
        Assert.Equal(a.TargetAfter, b.TargetAfter);
        Assert.Equal(a.Forgetting, b.Forgetting);
    }

    [Fact]
    public void Own_samples_start_with_BOS_stop_after_EOS_and_repeat_with_the_seed()
    {
        var model = TinyLlama.Create();
        var a = FineTuning.OwnSamples(model, 6, 10, seed: 3);
        Assert.Equal(6, a.Count);
        Assert.All(a, s => Assert.Equal(1, s[0]));
        Assert.All(a, s => Assert.InRange(s.Length, 2, 10));
        Assert.All(a, s => Assert.Contains(Array.IndexOf(s, 2L), new[] { -1, s.Length - 1 }));   // EOS only last
        Assert.Equal(a, FineTuning.OwnSamples(model, 6, 10, seed: 3));
        Assert.NotEqual(a, FineTuning.OwnSamples(model, 6, 10, seed: 4));
    }

    [Fact]
    public void A_lottery_ticket_keeps_the_largest_changes_and_only_they_move_after_the_rewind()
    {
        var model = TinyLlama.Create();
        Trainable.All(model);
        var before = SparseMask.Snapshot(model);
        var settings = new FineTuneSettings(10, 2, 1e-2, EvalEvery: 5);
        FineTuning.Run("search", model, Target, Target, Original, settings);
        var mask = SparseMask.FromChanges(model, before, keep: 0.1);
        Assert.InRange(mask.Kept, (long)(0.1 * mask.Total), (long)(0.1 * mask.Total) + 5);
        mask.Rewind(model);
        Assert.Equal(0, mask.Changed(model));
        var model2 = model;
        var ticket = FineTuning.Run("ticket", model2, Target, Target, Original, settings,
            beforeStep: () => mask.MaskGradients(model2), afterStep: () => mask.Apply(model2));
        Assert.InRange(mask.Changed(model2), 1, mask.Kept);
        Assert.True(ticket.TargetAfter < ticket.TargetBefore);
    }

    [Fact]
    public void The_captains_log_has_its_entries_each_in_the_log_s_form()
    {
        var log = PeftData.CaptainsLog();
        Assert.Equal(114, log.Count);
        Assert.All(log, l => Assert.StartsWith("Captain's log. ", l));
        Assert.Equal(log.Count, log.Distinct().Count());
    }
}
