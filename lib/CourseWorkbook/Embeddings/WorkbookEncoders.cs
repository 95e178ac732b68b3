using System.Diagnostics;
using CourseWorkbook.Models;
using CourseWorkbook.Tokenization;
using CourseWorkbook.Weights;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Embeddings;

/// <summary>
/// Hyper-parameters of the workbook's two encoders: masked-LM pretraining, then InfoNCE on paraphrase pairs. The
/// defaults are the settings of the shipped checkpoints, chosen on a development split of the training groups.
/// </summary>
/// <param name="Seed">Seed of masking, batching and word dropout (torch's own seed is set by the caller).</param>
/// <param name="HiddenSize">Width of the encoder.</param>
/// <param name="Layers">Encoder layers.</param>
/// <param name="Heads">Attention heads.</param>
/// <param name="IntermediateSize">Width of the MLP inside each layer.</param>
/// <param name="MaxLength">Tokens kept per sentence during training.</param>
/// <param name="MlmSteps">Masked-LM optimisation steps.</param>
/// <param name="MlmBatchSize">Sentences per masked-LM step.</param>
/// <param name="MlmLearningRate">Peak AdamW learning rate of pretraining (warm-up, then cosine decay).</param>
/// <param name="MaskProbability">Fraction of tokens to predict (BERT: 15 %).</param>
/// <param name="ContrastiveEpochs">Passes over the contrastive pairs.</param>
/// <param name="ContrastiveBatchSize">
/// Pairs per InfoNCE batch (each pair's negatives are the other pairs of its batch).
/// </param>
/// <param name="ContrastiveLearningRate">AdamW learning rate of contrastive training.</param>
/// <param name="Temperature">InfoNCE temperature τ.</param>
/// <param name="WordDropout">Word drop probability of the unsupervised views.</param>
/// <param name="AugmentUnlabelled">
/// Whether each epoch adds a pair of two word-dropout views of every training text.
/// </param>
/// <param name="PriorWords">
/// Leading whole words of bert-base-uncased's vocab.txt added to the reduced vocabulary.
/// </param>
/// <param name="AverageLastEpochs">
/// Weight averaging (as in stochastic weight averaging): the encoder ends with the mean of its parameters at the end of
/// each of the last N epochs, which smooths the epoch-to-epoch wobble of a small data set (0 = off).
/// </param>
/// <param name="HardNegatives">
/// Whether each training pair brings one of its group's hard negatives as an extra negative.
/// </param>
/// <param name="MlmDropout">BERT's hidden and attention-probability dropout during masked-LM pretraining.</param>
/// <param name="Dropout">
/// The same during contrastive training (the config's hidden_dropout_prob and attention_probs_dropout_prob): two passes
/// of one sentence then differ, which is what unsupervised SimCSE trains on.
/// </param>
public sealed record EncoderTrainingOptions(
    int Seed = 42,
    int HiddenSize = 128,
    int Layers = 2,
    int Heads = 4,
    int IntermediateSize = 512,
    int MaxLength = 48,
    int MlmSteps = 3000,
    int MlmBatchSize = 32,
    double MlmLearningRate = 1e-3,
    double MaskProbability = 0.15,
    int ContrastiveEpochs = 12,
    int ContrastiveBatchSize = 64,
    double ContrastiveLearningRate = 5e-4,
    double Temperature = 0.05,
    double WordDropout = 0.2,
    bool AugmentUnlabelled = true,
    int PriorWords = 6000,
    double MlmDropout = 0.0,
    double Dropout = 0.1,
    bool HardNegatives = false,
    int AverageLastEpochs = 0);

/// <summary>What a training phase did: its name, the loss every few steps, and how long it took.</summary>
public sealed record EncoderTrainingLog(string Phase, IReadOnlyList<(int Step, double Loss)> Losses, TimeSpan Elapsed);

/// <summary>How token vectors become one sentence vector.</summary>
public enum Pooling
{
    /// <summary>Mean over real tokens (sentence-transformers' default, the workbook's encoders).</summary>
    Mean,
    /// <summary>The [CLS] token's vector (BGE).</summary>
    Cls,
}

/// <summary>A BERT-family encoder with its WordPiece tokenizer: texts → L2-normalised pooled vectors. Models trained
/// with an instruction for queries (snowflake-arctic-embed) take it as <paramref name="queryPrefix"/>.</summary>
public sealed class WorkbookEncoder(string name, BertModel model, BertTokenizer tokenizer, int maxLength = 64,
    Pooling pooling = Pooling.Mean, string? queryPrefix = null)
{
    /// <summary>"mlm" or "contrastive" (or any name given at construction).</summary>
    public string Name { get; } = name;
    /// <summary>The encoder.</summary>
    public BertModel Model { get; } = model;
    /// <summary>Its WordPiece tokenizer.</summary>
    public BertTokenizer Tokenizer { get; } = tokenizer;

    /// <summary>Tokens kept per text ([CLS] and [SEP] included).</summary>
    public int MaxLength { get; } = maxLength;
    /// <summary>How token vectors become the sentence vector.</summary>
    public Pooling Pooling { get; } = pooling;
    /// <summary>The text prepended to queries (not to documents) by <see cref="EmbedQueries"/>, or null.</summary>
    public string? QueryPrefix { get; } = queryPrefix;

    /// <summary>Query vectors: <see cref="QueryPrefix"/> + each query, embedded as <see cref="Embed"/> does.</summary>
    public float[][] EmbedQueries(IReadOnlyList<string> queries) =>
        Embed(QueryPrefix is null ? queries : queries.Select(q => QueryPrefix + q).ToList());

    /// <summary>Sentence vectors (mean or [CLS] pooling over tokens, L2-normalised), as float rows.</summary>
    public float[][] Embed(IReadOnlyList<string> texts)
    {
        Model.eval();
        if (Pooling == Pooling.Mean)
        {
            using var v = Model.EncodeSentences(Tokenizer, texts, MaxLength);
            return Similarity.ToRows(v);
        }
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (ids, mask) = BertModel.Batch(Tokenizer, texts, MaxLength);
        return Similarity.ToRows(nn.functional.normalize(Model.Forward(ids, mask).select(1, 0), p: 2, dim: 1));
    }

    /// <summary>The WordPiece tokens of <paramref name="text"/> with [CLS]/[SEP] and their ids.</summary>
    public IReadOnlyList<(string Token, int Id)> Tokens(string text)
    {
        var pieces = Tokenizer.EncodeToTokens(text, out _).Select(t => (t.Value, t.Id)).ToList();
        if (pieces.Count == 0 || pieces[0].Id != Tokenizer.ClassificationTokenId)
            pieces.Insert(0, (Tokenizer.ClassificationToken, Tokenizer.ClassificationTokenId));
        if (pieces[^1].Id != Tokenizer.SeparatorTokenId)
            pieces.Add((Tokenizer.SeparatorToken, Tokenizer.SeparatorTokenId));
        return pieces;
    }

    /// <summary>Token-level features [T, H] of one sentence (the last hidden states, before pooling).</summary>
    public Tensor TokenFeatures(string text)
    {
        Model.eval();
        using var _ = no_grad();
        var ids = Tokenizer.EncodeToIds(text, addSpecialTokens: true).Take(MaxLength).Select(i => (long)i).ToArray();
        return Model.Forward(tensor(ids, [1, ids.Length]))[0].detach();
    }
}

/// <summary>
/// The two encoders trained by the workbook itself (practical 02): a small BERT pretrained with masked language
/// modelling on the workbook's own English text, and the same encoder after contrastive (InfoNCE) training on
/// paraphrase pairs of the training split. Checkpoints live in data/encoders/ (F16 safetensors); tools/TrainEncoders
/// reproduces them.
/// </summary>
public static class WorkbookEncoders
{
    /// <summary>Checkpoint name of the MLM-only encoder.</summary>
    public const string MlmName = "mlm";
    /// <summary>Checkpoint name of the contrastively trained encoder.</summary>
    public const string ContrastiveName = "contrastive";
    /// <summary>File name of the reduced WordPiece vocabulary shared by both encoders.</summary>
    public const string VocabFile = "vocab.txt";
    /// <summary>File name of the encoders' Hugging Face style config.json.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>BERT's special tokens, first in the reduced vocabulary ([PAD] = 0).</summary>
    public static readonly IReadOnlyList<string> SpecialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    /// <summary>data/encoders, next to data/embeddings.</summary>
    public static string Folder => Path.Combine(Path.GetDirectoryName(EmbeddingData.Folder)!, "encoders");

    /// <summary>
    /// The checkpoint path of encoder <paramref name="name"/> in <paramref name="folder"/> (default
    /// <see cref="Folder"/>).
    /// </summary>
    public static string CheckpointPath(string name, string? folder = null) =>
        Path.Combine(folder ?? Folder, $"{name}.safetensors");

    /// <summary>The small BERT of the options for a vocabulary of <paramref name="vocabSize"/> tokens.</summary>
    public static BertConfig Config(int vocabSize, EncoderTrainingOptions? o = null)
    {
        o ??= new EncoderTrainingOptions();
        return new BertConfig(VocabSize: vocabSize, HiddenSize: o.HiddenSize,
            NumHiddenLayers: o.Layers, NumAttentionHeads: o.Heads,
            IntermediateSize: o.IntermediateSize, MaxPositionEmbeddings: 64, TypeVocabSize: 2,
            HiddenDropoutProb: o.Dropout, AttentionProbsDropoutProb: o.Dropout);
    }

    /// <summary>
    /// The English text the encoders may train on: training-split topic headlines and training paraphrase groups
    /// (sentences and hard negatives). No held-out sentence is included.
    /// </summary>
    public static IReadOnlyList<string> TrainingTexts(ParaphraseSet paraphrases, TopicCorpus topics) =>
        topics.Train.Select(h => h.Text)
            .Concat(paraphrases.Items(paraphrases.Train).Select(i => i.Text))
            .Distinct().ToArray();

    /// <summary>
    /// A reduced WordPiece vocabulary: the special tokens, every single ASCII letter, digit and symbol with its "##"
    /// form (so any English word still splits into known pieces), then each token of <paramref name="full"/> that the
    /// texts use, most frequent first, then the <paramref name="prior"/> tokens (e.g. the first whole words of
    /// bert-base-uncased's vocab.txt, roughly the most frequent English words). On the texts themselves it tokenizes
    /// exactly as the full vocabulary does.
    /// </summary>
    public static IReadOnlyList<string> BuildVocabulary(
        BertTokenizer full, IEnumerable<string> texts, IEnumerable<string>? prior = null)
    {
        var counts = new Dictionary<string, int>();
        foreach (var text in texts)
        {
            var tokens = full.EncodeToTokens(text, out _)
                .Select(t => t.Value).Where(t => !SpecialTokens.Contains(t));
            foreach (var token in tokens)
                counts[token] = counts.GetValueOrDefault(token) + 1;
        }
        var vocab = new List<string>(SpecialTokens);
        var seen = new HashSet<string>(vocab);
        var chars = Enumerable.Range(0x21, 0x7E - 0x21 + 1)
            .Select(c => ((char)c).ToString())
            .Where(c => !char.IsUpper(c[0]))
            .ToArray();
        foreach (var c in chars.Concat(chars.Where(c => char.IsLetterOrDigit(c[0])).Select(c => "##" + c)))
            if (seen.Add(c)) vocab.Add(c);
        var byFrequency = counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal);
        foreach (var (token, _) in byFrequency)
            if (token != "[UNK]" && seen.Add(token)) vocab.Add(token);
        foreach (var token in prior ?? [])
            if (seen.Add(token)) vocab.Add(token);
        return vocab;
    }

    /// <summary>
    /// The first <paramref name="count"/> whole-word tokens of a BERT vocab.txt, in file order (bert-base-uncased lists
    /// its words roughly from the most frequent): no [unused]/special entries, no "##" pieces, no single characters.
    /// </summary>
    public static IReadOnlyList<string> LeadingWords(string vocabTxtPath, int count) =>
        File.ReadLines(vocabTxtPath)
            .Where(t => t.Length > 1 && !t.StartsWith('[') && !t.StartsWith("##", StringComparison.Ordinal))
            .Take(count)
            .ToArray();

    /// <summary>A WordPiece tokenizer over an in-memory vocabulary (uncased, BERT's basic split).</summary>
    public static BertTokenizer Tokenizer(IReadOnlyList<string> vocabulary)
    {
        var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", vocabulary) + "\n"));
        return BertTokenizer.Create(stream, Tokenizers.UncasedBertOptions());
    }

    /// <summary>
    /// BERT's masking: each real (non-special) token is chosen with probability p; a chosen token becomes [MASK] 80 %
    /// of the time, a random token 10 %, stays 10 %. Returns the corrupted ids and the labels (−100 where nothing is
    /// predicted).
    /// </summary>
    public static (Tensor Inputs, Tensor Labels) MaskTokens(Tensor ids, Tensor mask, int maskId, int vocabSize,
        int firstRegularId, double p, Random rng)
    {
        var input = ids.data<long>().ToArray();
        var real = mask.data<long>().ToArray();
        var labels = Enumerable.Repeat(-100L, input.Length).ToArray();
        for (int i = 0; i < input.Length; i++)
        {
            if (real[i] == 0 || input[i] < firstRegularId || rng.NextDouble() >= p) continue;
            labels[i] = input[i];
            double r = rng.NextDouble();
            if (r < 0.8) input[i] = maskId;
            else if (r < 0.9) input[i] = rng.Next(firstRegularId, vocabSize);
        }
        return (tensor(input, ids.shape), tensor(labels, ids.shape));
    }

    /// <summary>
    /// Vocabulary rows that <paramref name="texts"/> never use: training keeps them at their random initial vectors, so
    /// a word the encoder never saw still has its own identity (instead of drifting with the tied MLM decoder's
    /// softmax).
    /// </summary>
    public static long[] UnusedRows(BertTokenizer tokenizer, IEnumerable<string> texts, int vocabSize)
    {
        var used = new HashSet<int>(texts.SelectMany(t => tokenizer.EncodeToIds(t, addSpecialTokens: true)));
        return Enumerable.Range(0, vocabSize)
            .Where(i => !used.Contains(i) && i != tokenizer.MaskingTokenId)
            .Select(i => (long)i)
            .ToArray();
    }

    sealed class FrozenRows(TorchSharp.Modules.Parameter weight, long[] rows)
    {
        readonly Tensor index = tensor(rows);
        readonly Tensor initial = weight.detach().index_select(0, tensor(rows)).clone();
        public void Restore() { if (rows.Length > 0) using (no_grad()) weight.index_copy_(0, index, initial); }
    }

    /// <summary>
    /// Masked-LM pretraining of <paramref name="model"/> on <paramref name="texts"/> (random mini-batches, AdamW).
    /// </summary>
    public static EncoderTrainingLog PretrainMlm(BertForMaskedLM model, BertTokenizer tokenizer,
        IReadOnlyList<string> texts, EncoderTrainingOptions o, int? steps = null, Action<int, double>? onLog = null)
    {
        var sw = Stopwatch.StartNew();
        var rng = new Random(o.Seed);
        int maskId = tokenizer.MaskingTokenId, vocab = (int)model.bert.embeddings.word_embeddings.weight.shape[0];
        var optimizer = optim.AdamW(model.parameters(), lr: o.MlmLearningRate, weight_decay: 0.01);
        int total = steps ?? o.MlmSteps, warmup = Math.Max(1, total / 20);
        var losses = new List<(int, double)>();
        var frozen = new FrozenRows(model.bert.embeddings.word_embeddings.weight, UnusedRows(tokenizer, texts, vocab));
        model.bert.SetDropout(o.MlmDropout, o.MlmDropout);
        model.train();
        for (int step = 0; step < total; step++)
        {
            using var scope = NewDisposeScope();
            double lr = o.MlmLearningRate * Math.Min(1.0, (step + 1.0) / warmup)
                * (step < warmup ? 1 : 0.5 * (1 + Math.Cos(Math.PI * (step - warmup) / Math.Max(1, total - warmup))));
            foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
            var batch = Enumerable.Range(0, o.MlmBatchSize).Select(_ => texts[rng.Next(texts.Count)]).ToArray();
            var (ids, mask) = BertModel.Batch(tokenizer, batch, o.MaxLength);
            var (inputs, labels) = MaskTokens(ids, mask, maskId, vocab, SpecialTokens.Count, o.MaskProbability, rng);
            optimizer.zero_grad();
            var logits = model.Forward(inputs, mask);
            var loss = nn.functional.cross_entropy(logits.reshape(-1, vocab), labels.reshape(-1), ignore_index: -100);
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
            frozen.Restore();
            if (step % 50 == 0 || step == total - 1)
            {
                double v = loss.item<float>();
                losses.Add((step, v));
                onLog?.Invoke(step, v);
            }
        }
        model.eval();
        return new EncoderTrainingLog("mlm", losses, sw.Elapsed);
    }

    /// <summary>
    /// Contrastive training with InfoNCE and in-batch negatives (symmetric, cosine / τ) on paraphrase pairs of the
    /// training split only; batches never hold two pairs of one group, so no paraphrase is used as a negative.
    /// </summary>
    public static EncoderTrainingLog TrainContrastive(BertModel model, BertTokenizer tokenizer,
        IReadOnlyList<TrainingPair> pairs, EncoderTrainingOptions o, int? epochs = null,
        Action<int, double>? onLog = null, IReadOnlyList<string>? unlabelled = null, Action<int>? onEpoch = null)
    {
        var sw = Stopwatch.StartNew();
        var rng = new Random(o.Seed + 1);
        var optimizer = optim.AdamW(model.parameters(), lr: o.ContrastiveLearningRate, weight_decay: 0.01);
        var losses = new List<(int, double)>();
        int step = 0;
        var frozen = new FrozenRows(model.embeddings.word_embeddings.weight, UnusedRows(tokenizer,
            pairs.SelectMany(p => new[] { p.Anchor, p.Positive }).Concat(unlabelled ?? []),
            (int)model.embeddings.word_embeddings.weight.shape[0]));
        model.SetDropout(o.Dropout, o.Dropout);
        model.train();
        int totalEpochs = epochs ?? o.ContrastiveEpochs, averagedCount = 0;
        Tensor[]? averaged = null;
        for (int epoch = 0; epoch < totalEpochs; epoch++)
        {
            var epochPairs = pairs.ToList();
            if (unlabelled is not null)
                epochPairs.AddRange(unlabelled.Select((t, i) => new TrainingPair(
                    DropWords(t, o.WordDropout, rng), DropWords(t, o.WordDropout, rng), -1 - i)));
            foreach (var batch in ParaphrasePairs.Batches(epochPairs, o.ContrastiveBatchSize, rng))
            {
                if (batch.Count < 2) continue;
                using var scope = NewDisposeScope();
                Tensor Pooled(string[] texts)
                {
                    var (ids, mask) = BertModel.Batch(tokenizer, texts, o.MaxLength);
                    return BertModel.MeanPool(model.Forward(ids, mask), mask);
                }
                optimizer.zero_grad();
                var a = Pooled(batch.Select(x => x.Anchor).ToArray());
                var p = Pooled(batch.Select(x => x.Positive).ToArray());
                var hard = batch.Where(x => x.HardNegative is not null).Select(x => x.HardNegative!).ToArray();
                var h = hard.Length > 0 ? Pooled(hard) : null;
                var loss = ContrastiveLosses.InfoNce(a, p, o.Temperature, symmetric: true, hardNegatives: h);
                loss.backward();
                nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                optimizer.step();
                frozen.Restore();
                if (step % 10 == 0)
                {
                    double v = loss.item<float>();
                    losses.Add((step, v));
                    onLog?.Invoke(step, v);
                }
                step++;
            }
            if (totalEpochs - epoch <= o.AverageLastEpochs)
                using (no_grad())
                {
                    averaged ??= model.parameters().Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
                    foreach (var (sum, p) in averaged.Zip(model.parameters())) sum.add_(p);
                    averagedCount++;
                }
            if (onEpoch is not null) { model.eval(); onEpoch(epoch + 1); model.train(); }
        }
        if (averaged is not null)
            using (no_grad())
                foreach (var (sum, p) in averaged.Zip(model.parameters()))
                {
                    p.copy_(sum / averagedCount);
                    sum.Dispose();
                }
        model.eval();
        return new EncoderTrainingLog("contrastive", losses, sw.Elapsed);
    }

    /// <summary>
    /// A view of <paramref name="text"/> with each word dropped with probability p (at least one word kept): two views
    /// of one sentence make a positive pair for unsupervised contrastive training.
    /// </summary>
    public static string DropWords(string text, double p, Random rng)
    {
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var kept = words.Where(_ => rng.NextDouble() >= p).ToArray();
        return kept.Length > 0 ? string.Join(' ', kept) : words[rng.Next(words.Length)];
    }

    /// <summary>
    /// Saves an encoder's parameters as F16 safetensors (tied aliases dropped), with the name in the metadata.
    /// </summary>
    public static void Save(nn.Module model, string path, string name,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var seen = new HashSet<IntPtr>();
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (key, p) in model.named_parameters())
            if (seen.Add(p.Handle)) tensors.Add(new(key, p.detach().to_type(ScalarType.Float16)));
        var meta = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>())
        { ["name"] = name, ["format"] = "pt" };
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        SafeTensorsFile.Save(path, tensors, meta);
        foreach (var (_, t) in tensors) t.Dispose();
    }

    /// <summary>Loads encoder <paramref name="name"/> ("mlm" or "contrastive") from <paramref name="folder"/> (default
    /// data/encoders) by parameter name through the state-dict loader; throws if a parameter is missing.</summary>
    public static WorkbookEncoder Load(string name, string? folder = null)
    {
        folder ??= Folder;
        var config = BertConfig.FromFile(Path.Combine(folder, ConfigFile));
        var tokenizer = Tokenizers.Bert(Path.Combine(folder, VocabFile));
        var model = new BertModel(config, addPoolingLayer: false);
        using (var file = SafeTensorsFile.Open(CheckpointPath(name, folder)))
            model.Load(TensorSource.From(file)).ThrowIfIncomplete();
        model.eval();
        return new WorkbookEncoder(name, model, tokenizer);
    }

    /// <summary>Loads the MLM checkpoint with its masked-LM head (to fill in [MASK]s).</summary>
    public static (BertForMaskedLM Model, BertTokenizer Tokenizer) LoadMaskedLM(string? folder = null)
    {
        folder ??= Folder;
        var config = BertConfig.FromFile(Path.Combine(folder, ConfigFile));
        var model = new BertForMaskedLM(config);
        using (var file = SafeTensorsFile.Open(CheckpointPath(MlmName, folder)))
            model.Load(TensorSource.From(file)).ThrowIfIncomplete();
        model.eval();
        return (model, Tokenizers.Bert(Path.Combine(folder, VocabFile)));
    }

    /// <summary>The config.json text of <paramref name="c"/> in Hugging Face's field names.</summary>
    public static string ConfigJson(BertConfig c) =>
        System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model_type"] = "bert",
            ["vocab_size"] = c.VocabSize,
            ["hidden_size"] = c.HiddenSize,
            ["num_hidden_layers"] = c.NumHiddenLayers,
            ["num_attention_heads"] = c.NumAttentionHeads,
            ["intermediate_size"] = c.IntermediateSize,
            ["hidden_act"] = c.HiddenAct,
            ["max_position_embeddings"] = c.MaxPositionEmbeddings,
            ["type_vocab_size"] = c.TypeVocabSize,
            ["layer_norm_eps"] = c.LayerNormEps,
            ["pad_token_id"] = c.PadTokenId,
            ["hidden_dropout_prob"] = c.HiddenDropoutProb,
            ["attention_probs_dropout_prob"] = c.AttentionProbsDropoutProb,
        }, new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
}
