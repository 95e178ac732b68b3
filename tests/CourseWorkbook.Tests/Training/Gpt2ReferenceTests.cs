using System.Text.Json;
using CourseWorkbook.Data;
using CourseWorkbook.Models;
using CourseWorkbook.Tests.Embeddings;
using CourseWorkbook.Training;
using CourseWorkbook.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Training;

/// <summary>
/// Practical 07's loss, collate and batching check on a GPT-2 against PyTorch. The fixture Fixtures/tiny-gpt2 (a
/// checkpoint in Hugging Face's layout, 291 tokens, 2 layers) and the numbers in its expected.json were made by
/// Fixtures/make_tiny_gpt2.py, which writes GPT-2 out in PyTorch from the paper and the safetensors file by hand.
/// </summary>
[Collection(TorchRandomCollection.Name)]
public class Gpt2ReferenceTests : TorchTest
{
    static string FixtureFolder() => FixtureFiles.InTests("Training", "Fixtures", "tiny-gpt2");

    static JsonElement Expected() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureFolder(), "expected.json"))).RootElement;

    static long[][] Sequences(JsonElement e) => e.GetProperty("sequences").EnumerateArray()
        .Select(s => s.EnumerateArray().Select(x => x.GetInt64()).ToArray()).ToArray();

    /// <summary>The fixture's weights in a float64 model, so that only PyTorch's and our arithmetic differ.</summary>
    static Gpt2LMHeadModel Float64Model()
    {
        var config = Gpt2Config.FromJson(File.ReadAllText(Path.Combine(FixtureFolder(), "config.json")));
        var model = new Gpt2LMHeadModel(config, dtype: ScalarType.Float64);
        using var file = SafeTensorsFile.Open(Path.Combine(FixtureFolder(), "model.safetensors"));
        model.Load(TensorSource.From(file)).ThrowIfIncomplete();
        model.eval();
        return model;
    }

    static Tensor Loss(Gpt2LMHeadModel model, CausalLmBatch b) =>
        CausalLmLoss.Compute(model.Forward(b.input_ids, b.attention_mask, b.position_ids), b.labels);

    [Fact]
    public void The_padded_batch_loss_and_logits_equal_pytorchs()
    {
        var expected = Expected();
        var sequences = Sequences(expected);
        long pad = expected.GetProperty("pad_id").GetInt64();
        using var model = Float64Model();
        using var batch = CausalLmCollator.Collate(sequences, pad);
        using var _ = no_grad();
        var logits = model.Forward(batch.input_ids, batch.attention_mask, batch.position_ids);

        Assert.Equal(expected.GetProperty("batch_loss").GetDouble(),
            CausalLmLoss.Compute(logits, batch.labels).item<double>(), 1e-10);
        double[] Row(long b, long t) => logits[b, t, ..8].data<double>().ToArray();
        AssertClose(expected.GetProperty("logits_row1_last_real"), Row(1, 2));
        AssertClose(expected.GetProperty("logits_row2_position5"), Row(2, 5));

        var singles = expected.GetProperty("single_losses").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        for (int i = 0; i < sequences.Length; i++)
        {
            using var one = CausalLmCollator.Collate([sequences[i]], pad);
            Assert.Equal(singles[i], Loss(model, one).item<double>(), 1e-10);
        }
    }

    [Fact]
    public void Gradients_equal_pytorchs_and_the_batch_identity_holds()
    {
        var expected = Expected();
        var sequences = Sequences(expected);
        long pad = expected.GetProperty("pad_id").GetInt64();
        using var model = Float64Model();
        var gradients = BatchingCheck.Gradients(model, () => Loss(model, CausalLmCollator.Collate(sequences, pad)));
        foreach (var norm in expected.GetProperty("grad_norms").EnumerateObject())
        {
            var ours = gradients["transformer." + norm.Name].norm().item<double>();
            Assert.True(Math.Abs(ours - norm.Value.GetDouble()) <= 1e-9 * Math.Max(1, norm.Value.GetDouble()),
                $"{norm.Name}: ours {ours}, PyTorch {norm.Value.GetDouble()}");
        }

        var check = BatchingCheck.Compare(model, () => Loss(model, CausalLmCollator.Collate(sequences, pad)),
            sequences.Select(s => ((Func<Tensor>)(() => Loss(model, CausalLmCollator.Collate([s], pad))),
                (long)s.Length - 1)).ToList());
        Assert.True(expected.GetProperty("batch_identity_max_rel_diff").GetDouble() < 1e-12);
        Assert.True(check.MaxRelativeDifference < 1e-12, check.ToString());
    }

    [Fact]
    public void A_checkpoint_folder_loads_with_its_tokenizer()
    {
        using var checkpoint = Gpt2Checkpoint.Load(FixtureFolder());
        Assert.True(checkpoint.Report.IsComplete, checkpoint.Report.ToString());
        Assert.Equal(290, checkpoint.EndOfText);   // the last id, as 50256 is in GPT-2
        // Byte-level BPE by the merge ranks of merges.txt: " and" stops at Ġa n d, because "a n" ranks after "Ġ a".
        // Ids: the 256 byte symbols come first (ord('n') = 110), then one id per merge from 256: th 256, the 257,
        // Ġthe 258, Ġa 259, at 272, Ġc 277, Ġd 285.
        long[] Ids = [257, 277, 272, 259, 110, 100, 258, 285, 111, 103];
        Assert.Equal(Ids.Select(i => (int)i),
            checkpoint.Tokenizer.EncodeToIds("the cat and the dog").ToArray());
        Assert.Equal("the cat and the dog", checkpoint.Tokenizer.Decode(Ids.Select(i => (int)i)));

        using var reference = Float64Model();
        using var _ = no_grad();
        var ids = tensor(Ids).unsqueeze(0);
        var ours = checkpoint.Model.Forward(ids).to(ScalarType.Float64);
        Assert.True(ours.allclose(reference.Forward(ids), rtol: 1e-5, atol: 1e-5));
    }

    [Fact]
    public async Task The_model_store_finds_a_checkpoint_in_the_models_folder_and_says_when_it_is_absent()
    {
        var root = Directory.CreateTempSubdirectory("gpt2-store-").FullName;
        try
        {
            var emptyCache = Path.Combine(root, "hf-cache");
            var absent = await Gpt2Checkpoint.FindAsync("distilgpt2", download: false, TimeSpan.FromSeconds(1),
                new ModelStore(root, emptyCache));
            Assert.False(absent.Found);
            Assert.Contains("opt-in", absent.Message);
            Assert.Contains("config.json", absent.Message);

            var folder = Path.Combine(root, "distilgpt2");
            Directory.CreateDirectory(folder);
            foreach (var f in Gpt2Checkpoint.Files)
                File.Copy(Path.Combine(FixtureFolder(), f), Path.Combine(folder, f));
            var present = await Gpt2Checkpoint.FindAsync("distilgpt2", download: false, TimeSpan.FromSeconds(1),
                new ModelStore(root, emptyCache));
            Assert.True(present.Found, present.Message);
            using var checkpoint = present.Load();
            Assert.Equal(ModelSource.LocalFolder, checkpoint.Source);
            Assert.Equal(291, checkpoint.Model.VocabSize);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    static void AssertClose(JsonElement expected, double[] actual)
    {
        var e = expected.EnumerateArray().Select(x => x.GetDouble()).ToArray();
        Assert.Equal(e.Length, actual.Length);
        for (int i = 0; i < e.Length; i++) Assert.Equal(e[i], actual[i], 1e-10);
    }
}
