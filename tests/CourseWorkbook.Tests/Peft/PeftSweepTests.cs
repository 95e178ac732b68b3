using CourseWorkbook.Peft;

namespace CourseWorkbook.Tests.Peft;

/// <summary>data/peft/sweep.json's format: written and read back unchanged, the shipped file valid, and a malformed
/// file rejected with an error naming the file and the entry at fault.</summary>
public class PeftSweepTests
{
    static PeftSweep Sample() => new(
        new EncoderSweep("sentence-transformers/all-MiniLM-L6-v2", 22_713_216, 336, 84, 32,
            new EncoderFineTuneSettings(),
            [
                new("Full fine-tuning", "Full", 0, 22_566_916, 270_802_992, 90_000_000, 0.95, 0.2, 0.1),
                new("LoRA r=4", "LoRA", 4, 38_404, 460_848, 90_000_000, 0.9404761904761905, 0.25, 0.15),
            ]),
        new RankSweep("stories260K", LoraConfig.AllLinear, 16, 40, 8, 5e-3, 1e-3, 48,
            [
                new("Full fine-tuning", 0, 260_032, 3_120_384, 3.3, 1.44, 1.14, 1.3),
                new("LoRA r=1", 1, 5_780, 69_360, 3.3, 1.67, 1.14, 1.1),
                new("LoRA r=4", 4, 23_120, 277_440, 3.3, 1.55, 1.14, 1.2),
            ]));

    [Fact]
    public void A_sweep_reads_back_as_written_and_writes_the_same_bytes_again()
    {
        var json = Sample().ToJson();
        var back = PeftSweep.Parse(json);
        Assert.Equal(json, back.ToJson());
        Assert.Equal(0.9404761904761905, back.Encoder.Runs[1].Accuracy);
        Assert.Contains("\"train_state_bytes\": 460848", json);
        Assert.EndsWith("}\n", json);
    }

    [Fact]
    public void The_smallest_rank_within_a_margin_of_full_fine_tuning_is_found()
    {
        var rank = Sample().Rank;
        Assert.Equal(0, rank.Full.Rank);
        Assert.Equal([1, 4], rank.Lora.Select(r => r.Rank));
        Assert.Equal(1, rank.SmallestRankWithin(0.25)!.Rank);   // 1.67 ≤ 1.44 + 0.25
        Assert.Equal(4, rank.SmallestRankWithin(0.2)!.Rank);    // 1.55 ≤ 1.64
        Assert.Null(rank.SmallestRankWithin(0.05));
    }

    [Theory]
    [InlineData("{ not json", "not a PEFT sweep file")]
    [InlineData("null", "empty")]
    [InlineData("{\"encoder\": null, \"rank\": null}", "not a PEFT sweep file")]
    public void Text_that_is_not_a_sweep_is_rejected_with_the_file_named(string json, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => PeftSweep.Parse(json, "data/peft/sweep.json"));
        Assert.StartsWith("data/peft/sweep.json: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    public static TheoryData<string, string> BadEntries() => new()
    {
        { "\"accuracy\": 0.95", "\"accuracy\": 1.7" },
        { "\"recipe\": \"LoRA\"", "\"recipe\": \"Prefix\"" },
        { "\"rank\": 4,\n        \"trainable\": 38404", "\"rank\": 0,\n        \"trainable\": 38404" },
        {
            "\"method\": \"Full fine-tuning\",\n        \"rank\": 0",
            "\"method\": \"Full fine-tuning\",\n        \"rank\": 2"
        },
    };

    [Theory]
    [MemberData(nameof(BadEntries))]
    public void A_malformed_entry_is_rejected_naming_the_entry(string good, string bad)
    {
        var json = Sample().ToJson();
        Assert.Contains(good, json);
        var e = Assert.Throws<InvalidDataException>(() => PeftSweep.Parse(json.Replace(good, bad), "x/sweep.json"));
        Assert.StartsWith("x/sweep.json: ", e.Message);
        Assert.Matches(@"(encoder|rank)\.runs", e.Message);
    }

    [Fact]
    public void A_missing_field_is_rejected()
    {
        var json = Sample().ToJson().Replace("\"test_loss\": 0.2,", "");
        var e = Assert.Throws<InvalidDataException>(() => PeftSweep.Parse(json, "x/sweep.json"));
        Assert.Contains("test_loss", e.Message);
    }

    [Fact]
    public void The_shipped_sweep_is_valid_and_holds_the_whole_grid()
    {
        var sweep = PeftSweep.Read();
        Assert.Equal(3 + EncoderMethod.Ranks.Count, sweep.Encoder.Runs.Count);
        Assert.Equal(EncoderMethod.Ranks, sweep.Encoder.Runs.Where(r => r.Recipe == "LoRA").Select(r => r.Rank));
        Assert.Equal(RankSweep.Ranks, sweep.Rank.Lora.Select(r => r.Rank));
        Assert.All(sweep.Encoder.Runs, r => Assert.Equal(12 * r.Trainable, r.TrainStateBytes));
        Assert.All(sweep.Rank.Runs, r => Assert.Equal(12 * r.Trainable, r.TrainStateBytes));
    }
}
