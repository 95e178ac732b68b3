using CourseWorkbook.Embeddings;
using CourseWorkbook.Models;
using CourseWorkbook.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Embeddings;

[Collection(TorchRandomCollection.Name)]
public class WorkbookEncodersTests : TorchTest
{
    static readonly string[] Texts = ["The dog bit the man.", "The man was bitten by the dog.", "Rain is expected tomorrow.", "Markets rallied on Friday."];
    static readonly EncoderTrainingOptions Tiny = new(HiddenSize: 16, Layers: 1, Heads: 2, IntermediateSize: 32, MaxLength: 16, MlmBatchSize: 4, ContrastiveBatchSize: 2);

    static IReadOnlyList<string> Vocabulary() =>
        WorkbookEncoders.BuildVocabulary(Tokenizers.Bert(SharedModels.Path("all-MiniLM-L6-v2/vocab.txt")), Texts);

    static string TempFolder()
    {
        var dir = Path.Combine(Path.GetTempPath(), "cw-encoders-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    [SharedModelFact("all-MiniLM-L6-v2/vocab.txt")]
    public void Reduced_vocabulary_starts_with_the_special_tokens_and_tokenizes_its_texts_like_the_full_one()
    {
        var vocab = Vocabulary();
        Assert.Equal(WorkbookEncoders.SpecialTokens, vocab.Take(5));
        Assert.Equal(vocab.Count, vocab.Distinct().Count());
        var full = Tokenizers.Bert(SharedModels.Path("all-MiniLM-L6-v2/vocab.txt"));
        var reduced = WorkbookEncoders.Tokenizer(vocab);
        foreach (var text in Texts)
            Assert.Equal(full.EncodeToTokens(text, out _).Select(t => t.Value), reduced.EncodeToTokens(text, out _).Select(t => t.Value));
    }

    [SharedModelFact("all-MiniLM-L6-v2/vocab.txt")]
    public void An_unseen_word_splits_into_known_pieces_instead_of_unk()
    {
        var reduced = WorkbookEncoders.Tokenizer(Vocabulary());
        var tokens = reduced.EncodeToTokens("zebra", out _).Select(t => t.Value).ToArray();
        Assert.DoesNotContain("[UNK]", tokens);
        Assert.Equal("zebra", string.Concat(tokens.Select(t => t.Replace("##", ""))));
    }

    [Fact]
    public void Masking_only_touches_real_tokens_and_labels_exactly_the_chosen_ones()
    {
        var ids = tensor(new long[] { 2, 10, 11, 12, 3, 0 }, [1, 6]);
        var mask = tensor(new long[] { 1, 1, 1, 1, 1, 0 }, [1, 6]);
        var (inputs, labels) = WorkbookEncoders.MaskTokens(ids, mask, maskId: 4, vocabSize: 20, firstRegularId: 5, p: 1.0, new Random(1));
        var l = labels.data<long>().ToArray();
        Assert.Equal(new long[] { -100, 10, 11, 12, -100, -100 }, l);
        Assert.Equal(new long[] { 2, 3, 0 }, new[] { 0, 4, 5 }.Select(i => inputs.data<long>()[i]).ToArray());
    }

    [SharedModelFact("all-MiniLM-L6-v2/vocab.txt")]
    public void A_few_training_steps_with_a_fixed_seed_give_the_same_losses_twice()
    {
        var vocab = Vocabulary();
        double[] Run()
        {
            torch.manual_seed(7);
            var model = new BertForMaskedLM(WorkbookEncoders.Config(vocab.Count, Tiny));
            var tokenizer = WorkbookEncoders.Tokenizer(vocab);
            var mlmLog = WorkbookEncoders.PretrainMlm(model, tokenizer, Texts, Tiny, steps: 3);
            var pairs = new[] { new TrainingPair(Texts[0], Texts[1], 0), new TrainingPair(Texts[2], Texts[3], 1) };
            var contrastiveLog = WorkbookEncoders.TrainContrastive(model.bert, tokenizer, pairs, Tiny, epochs: 2);
            return mlmLog.Losses.Concat(contrastiveLog.Losses).Select(p => p.Loss).ToArray();
        }
        var first = Run();
        Assert.Equal(first, Run());
        Assert.All(first, v => Assert.True(double.IsFinite(v)));
    }

    [SharedModelFact("all-MiniLM-L6-v2/vocab.txt")]
    public void Weight_averaging_ends_with_the_mean_of_the_last_epochs_parameters()
    {
        var vocab = Vocabulary();
        torch.manual_seed(9);
        var model = new BertModel(WorkbookEncoders.Config(vocab.Count, Tiny), addPoolingLayer: false);
        var pairs = new[] { new TrainingPair(Texts[0], Texts[1], 0), new TrainingPair(Texts[2], Texts[3], 1) };
        var snapshots = new List<float[]>();
        float[] Weights() => model.encoder.layer[0].attention.self.query.weight.detach().data<float>().ToArray();
        WorkbookEncoders.TrainContrastive(model, WorkbookEncoders.Tokenizer(vocab), pairs, Tiny with { AverageLastEpochs = 2 }, epochs: 3,
            onEpoch: _ => snapshots.Add(Weights()));
        Assert.Equal(3, snapshots.Count);
        Assert.NotEqual(snapshots[1], snapshots[2]);                       // the epochs moved the weights
        var final = Weights();
        for (int i = 0; i < final.Length; i++)
            Assert.Equal((snapshots[1][i] + snapshots[2][i]) / 2, final[i], 5);
    }

    [SharedModelFact("all-MiniLM-L6-v2/vocab.txt")]
    public void Saved_checkpoint_loads_by_name_and_embeds_like_the_trained_model_up_to_f16()
    {
        var vocab = Vocabulary();
        var folder = TempFolder();
        try
        {
            torch.manual_seed(3);
            var config = WorkbookEncoders.Config(vocab.Count, Tiny);
            var model = new BertForMaskedLM(config);
            File.WriteAllLines(Path.Combine(folder, WorkbookEncoders.VocabFile), vocab);
            File.WriteAllText(Path.Combine(folder, WorkbookEncoders.ConfigFile), WorkbookEncoders.ConfigJson(config));
            WorkbookEncoders.Save(model, WorkbookEncoders.CheckpointPath("mlm", folder), "mlm");
            WorkbookEncoders.Save(model.bert, WorkbookEncoders.CheckpointPath("contrastive", folder), "contrastive");

            var expected = new WorkbookEncoder("original", model.bert, WorkbookEncoders.Tokenizer(vocab)).Embed(Texts);
            foreach (var name in new[] { "mlm", "contrastive" })
            {
                var loaded = WorkbookEncoders.Load(name, folder).Embed(Texts);
                for (int i = 0; i < Texts.Length; i++)
                    for (int j = 0; j < expected[i].Length; j++)
                        Assert.Equal(expected[i][j], loaded[i][j], 0.01);
            }
            var (mlm, _) = WorkbookEncoders.LoadMaskedLM(folder);
            Assert.Equal(model.cls.predictions.bias.data<float>()[3], mlm.cls.predictions.bias.data<float>()[3], 0.001);
        }
        finally { Directory.Delete(folder, true); }
    }

    [SharedModelFact("all-MiniLM-L6-v2/vocab.txt")]
    public void Rows_the_training_text_never_uses_keep_their_initial_vectors()
    {
        var vocab = WorkbookEncoders.BuildVocabulary(Tokenizers.Bert(SharedModels.Path("all-MiniLM-L6-v2/vocab.txt")), Texts, ["zebra", "volcano"]);
        var tokenizer = WorkbookEncoders.Tokenizer(vocab);
        torch.manual_seed(11);
        var model = new BertForMaskedLM(WorkbookEncoders.Config(vocab.Count, Tiny));
        var weight = model.bert.embeddings.word_embeddings.weight;
        long zebra = vocab.ToList().IndexOf("zebra"), the = vocab.ToList().IndexOf("the");
        var (zebraBefore, theBefore) = (weight[zebra].clone(), weight[the].clone());
        WorkbookEncoders.PretrainMlm(model, tokenizer, Texts, Tiny with { MlmLearningRate = 1e-2 }, steps: 5);
        Assert.True(weight[zebra].eq(zebraBefore).all().item<bool>());
        Assert.False(weight[the].eq(theBefore).all().item<bool>());
        Assert.Contains(zebra, WorkbookEncoders.UnusedRows(tokenizer, Texts, vocab.Count));
    }

    [Fact]
    public void Word_dropout_keeps_at_least_one_word_and_the_order()
    {
        var rng = new Random(5);
        for (int i = 0; i < 20; i++)
        {
            var view = WorkbookEncoders.DropWords("one two three four", 0.9, rng);
            Assert.NotEmpty(view);
            var words = view.Split(' ');
            Assert.Equal(words.OrderBy(w => Array.IndexOf(new[] { "one", "two", "three", "four" }, w)), words);
        }
    }

    [Theory]
    [InlineData("distilbert.transformer.layer.3.attention.q_lin.weight", "encoder.layer.3.attention.self.query.weight")]
    [InlineData("distilbert.transformer.layer.0.attention.out_lin.bias", "encoder.layer.0.attention.output.dense.bias")]
    [InlineData("distilbert.transformer.layer.5.sa_layer_norm.weight", "encoder.layer.5.attention.output.LayerNorm.weight")]
    [InlineData("distilbert.transformer.layer.1.ffn.lin1.weight", "encoder.layer.1.intermediate.dense.weight")]
    [InlineData("distilbert.transformer.layer.1.ffn.lin2.bias", "encoder.layer.1.output.dense.bias")]
    [InlineData("distilbert.transformer.layer.2.output_layer_norm.bias", "encoder.layer.2.output.LayerNorm.bias")]
    [InlineData("distilbert.embeddings.word_embeddings.weight", "embeddings.word_embeddings.weight")]
    [InlineData("vocab_projector.bias", null)]
    public void DistilBert_keys_map_to_the_bert_layer_they_compute(string key, string? expected) =>
        Assert.Equal(expected, PretrainedEncoders.DistilBertKey(key));

    [Fact]
    public void A_missing_pretrained_model_is_reported_not_thrown()
    {
        var folder = TempFolder();
        try
        {
            var lookup = PretrainedEncoders.TryLoad("nobody/no-such-model", new CourseWorkbook.Weights.ModelStore(folder, folder));
            Assert.Null(lookup.Encoder);
            Assert.Contains("absent", lookup.Message);
        }
        finally { Directory.Delete(folder, true); }
    }
}
