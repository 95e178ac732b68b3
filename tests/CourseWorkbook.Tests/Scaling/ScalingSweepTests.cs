using CourseWorkbook.Models;
using CourseWorkbook.Scaling;

namespace CourseWorkbook.Tests.Scaling;

[Collection(TorchRandomCollection.Name)]
public class ScalingSweepTests : TorchTest
{
    static readonly SweepSettings Tiny = new(Context: 8, Batch: 8, EvalWindows: 32, MinSteps: 5);

    [Fact]
    public void Non_embedding_count_is_the_model_minus_its_token_and_position_tables()
    {
        var size = new SweepModel(2, 32);
        using var model = new Gpt2LMHeadModel(size.Config(8, 16));
        long all = ParameterCounts.Count(model);
        long tables = model.transformer.wte.weight.numel() + model.transformer.wpe.weight.numel();
        Assert.Equal(all - tables, size.NonEmbeddingParameters(8, 16));
    }

    [Fact]
    public void A_run_is_repeatable_and_never_beats_the_entropy_rate()
    {
        var lang = new MarkovLanguage(vocab: 4, order: 2, seed: 2);
        var a = ScalingSweep.Train(lang, new SweepModel(1, 16), 2e7, Tiny);
        var b = ScalingSweep.Train(lang, new SweepModel(1, 16), 2e7, Tiny);
        Assert.Equal(a, b);
        Assert.True(a.Loss >= lang.EntropyRate, $"loss {a.Loss} below the entropy rate {lang.EntropyRate}");
        Assert.Equal(6.0 * a.N * a.Tokens, a.Flops6ND);
        Assert.Equal((long)a.Steps * Tiny.TokensPerStep, a.Tokens);
        Assert.True(a.FlopsExact > a.Flops6ND, "the exact count adds attention and the tables to 6ND");
    }

    [Fact]
    public void Training_lowers_the_loss_towards_the_entropy_rate()
    {
        var lang = new MarkovLanguage(vocab: 4, order: 1, seed: 2);
        var settings = Tiny with { MinSteps = 1 };
        var untrained = ScalingSweep.Train(lang, new SweepModel(1, 16), 1, settings);
        var trained = ScalingSweep.Train(lang, new SweepModel(1, 16), 3e8, settings);
        Assert.True(trained.Loss < untrained.Loss - 0.1, $"{untrained.Loss} → {trained.Loss}");
        Assert.True(trained.Loss - lang.EntropyRate < 0.1, $"trained {trained.Loss}, floor {lang.EntropyRate}");
    }

    [Fact]
    public void Csv_round_trips_exactly_and_bad_lines_name_the_file_and_line()
    {
        var rows = new[] { new SweepResult(3e10, 1, 16, 3312, 1509888, 2949, 3.0001e10, 4.1e10, 1.2091234567891234, 0.748) };
        var path = Path.Combine(Path.GetTempPath(), $"sweep-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, ScalingSweep.ToCsv(rows));
        Assert.Equal(rows, ScalingSweep.ReadCsv(path));
        File.AppendAllText(path, "1,2,3\n");
        var ex = Assert.Throws<InvalidDataException>(() => ScalingSweep.ReadCsv(path));
        Assert.Contains(path, ex.Message);
        Assert.Contains("line 3", ex.Message);
        File.Delete(path);
    }
}
