using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Serialization;
using CourseWorkbook.Embeddings;
using CourseWorkbook.Models;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using TorchSharp.Modules;
using DataLoader = CourseWorkbook.Data.DataLoader<int, int[]>;
using static TorchSharp.torch;

namespace CourseWorkbook.Peft;

/// <summary>A labelled sentence, tokenised once: [CLS] … [SEP] ids, cut to the task's length.</summary>
public sealed record LabelledIds(long[] Ids, int Label);

/// <summary>
/// A sentence-classification task, tokenised once: the workbook's topic headlines (data/embeddings/topics.jsonl) with
/// their fixed held-out split (every fifth headline of each topic: stratified, deterministic, 336 train and 84 test).
/// </summary>
public sealed record TopicTask(IReadOnlyList<string> Topics, IReadOnlyList<LabelledIds> Train,
    IReadOnlyList<LabelledIds> Test, int MaxLength, long PadId)
{
    /// <summary>Tokenises <paramref name="corpus"/>'s headlines with [CLS]/[SEP], at most
    /// <paramref name="maxLength"/> tokens each, keeping the file's "train"/"test" split.</summary>
    public static TopicTask Encode(TopicCorpus corpus, BertTokenizer tokenizer, int maxLength = 32)
    {
        if (maxLength < 3) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "need room for a word");
        LabelledIds Row(Headline h) => new(tokenizer.EncodeToIds(h.Text, addSpecialTokens: true).Take(maxLength)
            .Select(i => (long)i).ToArray(), h.Label);
        var train = corpus.Headlines.Where(h => h.Split == "train").Select(Row).ToList();
        var test = corpus.Headlines.Where(h => h.Split == "test").Select(Row).ToList();
        if (train.Count == 0 || test.Count == 0)
            throw new ArgumentException(
                $"the corpus needs both splits: {train.Count} train, {test.Count} test headlines");
        return new TopicTask(corpus.Topics, train, test, maxLength, tokenizer.PaddingTokenId);
    }

    /// <summary>ids and attention mask [B, T], right-padded to the longest row, and labels [B].</summary>
    public (Tensor Ids, Tensor Mask, Tensor Labels) Collate(IReadOnlyList<LabelledIds> rows)
    {
        int t = rows.Max(r => r.Ids.Length);
        var ids = new long[rows.Count * t];
        var mask = new long[rows.Count * t];
        Array.Fill(ids, PadId);
        for (int i = 0; i < rows.Count; i++)
        {
            rows[i].Ids.CopyTo(ids, i * t);
            Array.Fill(mask, 1L, i * t, rows[i].Ids.Length);
        }
        return (tensor(ids, [rows.Count, t]), tensor(mask, [rows.Count, t]),
            tensor(rows.Select(r => (long)r.Label).ToArray()));
    }
}

/// <summary>What trains when an encoder is fine-tuned for classification; the head always trains.</summary>
public enum EncoderRecipe
{
    /// <summary>Every weight of the encoder, and the head.</summary>
    Full,
    /// <summary>The head only, on the frozen encoder's sentence embeddings (a linear probe).</summary>
    HeadOnly,
    /// <summary>BitFit (Ben Zaken et al. 2021): the encoder's bias terms (attention, MLP and LayerNorm biases), and
    /// the head.</summary>
    BitFit,
    /// <summary>LoRA on the attention's query and value projections (peft's default for BERT), and the head.</summary>
    LoRA,
}

/// <summary>A recipe, with its LoRA rank (0 for the others).</summary>
public sealed record EncoderMethod(EncoderRecipe Recipe, int Rank = 0)
{
    /// <summary>The four recipes, LoRA at each of <paramref name="ranks"/>.</summary>
    public static IReadOnlyList<EncoderMethod> Grid(IEnumerable<int> ranks) =>
        [new(EncoderRecipe.Full), new(EncoderRecipe.HeadOnly), new(EncoderRecipe.BitFit),
            .. ranks.Select(r => new EncoderMethod(EncoderRecipe.LoRA, r))];

    /// <summary>The ranks of the practical's grid.</summary>
    public static IReadOnlyList<int> Ranks { get; } = [1, 2, 4, 8, 16];

    /// <summary>"Full fine-tuning", "Head only", "BitFit", "LoRA r=4".</summary>
    public string Name => Recipe switch
    {
        EncoderRecipe.Full => "Full fine-tuning",
        EncoderRecipe.HeadOnly => "Head only",
        EncoderRecipe.BitFit => "BitFit",
        _ => $"LoRA r={Rank}",
    };
}

/// <summary>The budget every recipe gets: optimizer steps of <see cref="BatchSize"/> headlines in one seeded order,
/// AdamW without weight decay. The new head starts random in every recipe and learns at
/// <see cref="HeadLearningRate"/>; the encoder's trained part learns at its recipe's rate (full fine-tuning the
/// usual small rate for a pretrained transformer, BitFit and LoRA larger ones, as their papers use).</summary>
public sealed record EncoderFineTuneSettings(int Steps = 60, int BatchSize = 16, double HeadLearningRate = 1e-2,
    double FullLearningRate = 5e-5,
    [property: JsonPropertyName("bitfit_learning_rate")] double BitFitLearningRate = 1e-3,
    double LoraLearningRate = 1e-3, double LoraAlpha = 16, int Seed = 42)
{
    /// <summary>The learning rate of the encoder's trained parameters under <paramref name="recipe"/>.</summary>
    public double EncoderLearningRate(EncoderRecipe recipe) => recipe switch
    {
        EncoderRecipe.Full => FullLearningRate,
        EncoderRecipe.BitFit => BitFitLearningRate,
        EncoderRecipe.LoRA => LoraLearningRate,
        _ => 0,
    };
}

/// <summary>One recipe's outcome: trainable parameters (counted on the module tree), bytes measured on the tensors
/// after the last step, accuracy and mean cross-entropy on the held-out headlines, the training loss of each step,
/// the seconds taken.</summary>
public sealed record EncoderFineTuneResult(EncoderMethod Method, long TrainableParameters, MemoryUse Memory,
    double Accuracy, double TestLoss, IReadOnlyList<double> TrainLosses, double Seconds)
{
    /// <summary>Gradients + optimizer state: the training state that grows with what trains.</summary>
    public long TrainStateBytes => Memory.GradientBytes + Memory.OptimizerBytes;
}

/// <summary>
/// Fine-tuning a pretrained sentence encoder (all-MiniLM-L6-v2 in practical 08) for topic classification, with full
/// fine-tuning, a head on the frozen encoder, BitFit and LoRA on the same budget. Each run starts from a fresh copy of
/// the pretrained weights and a head drawn from the same seed, and sees the same batches.
/// </summary>
public static class EncoderFineTuning
{
    /// <summary>LoRA's targets on BERT: the attention's query and value (Hugging Face names; peft's default).</summary>
    public static IReadOnlyList<string> QueryValue { get; } = ["attention.self.query", "attention.self.value"];

    /// <summary>Sets what trains in <paramref name="model"/> for <paramref name="method"/> (LoRA: injects adapters of
    /// rank r, α = <paramref name="loraAlpha"/>, A drawn from the current torch seed); returns the trainable
    /// count.</summary>
    public static long Prepare(SentenceClassifier model, EncoderMethod method, double loraAlpha = 16)
    {
        static bool Head(string name) => name.StartsWith("classifier.", StringComparison.Ordinal);
        switch (method.Recipe)
        {
            case EncoderRecipe.Full: return Trainable.All(model);
            case EncoderRecipe.HeadOnly: return Trainable.Only(model, Head);
            case EncoderRecipe.BitFit:
                return Trainable.Only(model, n => Head(n) || n.EndsWith(".bias", StringComparison.Ordinal));
            case EncoderRecipe.LoRA:
                LoraModel.Inject(model, new LoraConfig(method.Rank, loraAlpha, 0, QueryValue));
                foreach (var (_, p) in model.classifier.named_parameters()) p.requires_grad = true;
                return Trainable.Count(model);
            default: throw new ArgumentOutOfRangeException(nameof(method), method.Recipe, "unknown recipe");
        }
    }

    /// <summary>Fine-tunes a fresh classifier on <paramref name="pretrained"/> with <paramref name="method"/> and
    /// measures it. Head only computes the frozen encoder's sentence embeddings once and trains the head on them;
    /// the other recipes run the encoder in training mode (its dropout on) at every step. <paramref name="trained"/>
    /// sees the trained model (in eval mode) before it is released, e.g. to save it.</summary>
    public static EncoderFineTuneResult Run(BertModel pretrained, TopicTask task, EncoderMethod method,
        EncoderFineTuneSettings settings, Action<SentenceClassifier>? trained = null)
    {
        var model = SentenceClassifier.FromPretrained(pretrained, task.Topics.Count, settings.Seed);
        long trainable = Prepare(model, method, settings.LoraAlpha);
        var head = model.classifier.parameters().ToList();
        var encoder = Trainable.Parameters(model).Select(p => p.Parameter)
            .Where(p => head.All(h => h.Handle != p.Handle)).ToList();
        var groups = new List<AdamW.ParamGroup>
            { new(head, new AdamW.Options { LearningRate = settings.HeadLearningRate }) };
        if (encoder.Count > 0)
            groups.Add(new(encoder, new AdamW.Options
                { LearningRate = settings.EncoderLearningRate(method.Recipe) }));
        var optimizer = optim.AdamW(groups, lr: settings.HeadLearningRate, weight_decay: 0);

        bool frozen = method.Recipe == EncoderRecipe.HeadOnly;
        using var trainFeatures = frozen ? Features(model, task, task.Train) : null;
        var loader = new DataLoader(Enumerable.Range(0, task.Train.Count).ToList(), settings.BatchSize,
            rows => rows.ToArray(), shuffle: true, seed: settings.Seed);
        var losses = new List<double>();
        var clock = Stopwatch.StartNew();
        if (!frozen) model.train();
        foreach (var indices in loader.Forever().Take(settings.Steps))
        {
            using var scope = NewDisposeScope();
            var labels = tensor(indices.Select(i => (long)task.Train[i].Label).ToArray());
            Tensor logits;
            if (frozen) logits = model.classifier.call(trainFeatures!.index_select(0, tensor(indices.Select(i =>
                (long)i).ToArray())));
            else
            {
                var (ids, mask, _) = task.Collate(indices.Select(i => task.Train[i]).ToList());
                logits = model.call(ids, mask);
            }
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(logits, labels);
            loss.backward();
            optimizer.step();
            double value = loss.to(ScalarType.Float64).item<double>();
            if (!double.IsFinite(value))
                throw new InvalidOperationException($"{method.Name}: loss {value} at step {losses.Count}");
            losses.Add(value);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        var memory = MemoryUse.Measure(model, optimizer);
        model.eval();
        var (accuracy, testLoss) = Evaluate(model, task, task.Test);
        trained?.Invoke(model);
        model.Dispose();
        return new EncoderFineTuneResult(method, trainable, memory, accuracy, testLoss, losses, seconds);
    }

    /// <summary>The frozen sentence embeddings [N, H] of <paramref name="rows"/> (eval mode, no grad, batches of 64
    /// in row order).</summary>
    public static Tensor Features(SentenceClassifier model, TopicTask task, IReadOnlyList<LabelledIds> rows)
    {
        bool training = model.training;
        model.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var parts = rows.Chunk(64).Select(chunk =>
        {
            var (ids, mask, _) = task.Collate(chunk);
            return model.Embed(ids, mask);
        }).ToList();
        var features = cat(parts, 0).MoveToOuterDisposeScope();
        if (training) model.train();
        return features;
    }

    /// <summary>Accuracy and mean cross-entropy of <paramref name="model"/> on <paramref name="rows"/> (eval mode,
    /// batches of 64 in row order).</summary>
    public static (double Accuracy, double Loss) Evaluate(SentenceClassifier model, TopicTask task,
        IReadOnlyList<LabelledIds> rows)
    {
        using var features = Features(model, task, rows);
        return Evaluate(model.classifier, features, rows);
    }

    /// <summary>Writes what trained — every parameter with requires_grad, under its name in the module tree
    /// ("bert.encoder.layer.0.attention.self.query.lora_A.default.weight", "classifier.weight") — to a safetensors
    /// file (atomically), with the recipe, rank, α and number of classes in its metadata. For LoRA and BitFit that is
    /// a small file; with the pretrained encoder it is the whole fine-tuned model.</summary>
    public static void SaveTrained(SentenceClassifier model, EncoderMethod method, string path, double loraAlpha = 16)
    {
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt", ["recipe"] = method.Recipe.ToString(),
            ["rank"] = method.Rank.ToString(CultureInfo.InvariantCulture),
            ["lora_alpha"] = loraAlpha.ToString("R", CultureInfo.InvariantCulture),
            ["classes"] = model.Classes.ToString(CultureInfo.InvariantCulture),
        };
        Weights.SafeTensorsFile.Save(path, Trainable.Parameters(model)
            .Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter)), metadata);
    }

    /// <summary>A classifier on <paramref name="pretrained"/> with the recipe and trained tensors of a file written
    /// by <see cref="SaveTrained"/>, in eval mode. The file must hold exactly the tensors its recipe trains, with
    /// their shapes.</summary>
    public static (SentenceClassifier Model, EncoderMethod Method) LoadTrained(BertModel pretrained, string path)
    {
        using var file = Weights.SafeTensorsFile.Open(path);
        string Meta(string key) => file.Metadata.TryGetValue(key, out var v) ? v
            : throw new InvalidDataException($"{path}: no \"{key}\" in the metadata (not written by SaveTrained?)");
        if (!Enum.TryParse<EncoderRecipe>(Meta("recipe"), out var recipe))
            throw new InvalidDataException($"{path}: unknown recipe '{Meta("recipe")}'");
        var method = new EncoderMethod(recipe, int.Parse(Meta("rank"), CultureInfo.InvariantCulture));
        var model = SentenceClassifier.FromPretrained(pretrained, int.Parse(Meta("classes"),
            CultureInfo.InvariantCulture));
        Prepare(model, method, double.Parse(Meta("lora_alpha"), CultureInfo.InvariantCulture));
        var expected = Trainable.Parameters(model).ToDictionary(p => p.Name, p => p.Parameter);
        var names = file.Tensors.Select(t => t.Name).ToHashSet();
        var missing = expected.Keys.Where(k => !names.Contains(k)).ToList();
        var unknown = names.Where(n => !expected.ContainsKey(n)).ToList();
        if (missing.Count > 0 || unknown.Count > 0)
            throw new InvalidDataException($"{path}: does not fit {method.Name}: "
                + (missing.Count > 0 ? $"missing {missing[0]} (+{missing.Count - 1}) " : "")
                + (unknown.Count > 0 ? $"unknown {unknown[0]} (+{unknown.Count - 1})" : ""));
        using (no_grad())
            foreach (var (name, target) in expected)
            {
                using var t = file.ReadTensor(name);
                if (!t.shape.SequenceEqual(target.shape))
                    throw new InvalidDataException($"{path}: {name} has shape [{string.Join(", ", t.shape)}], "
                        + $"{method.Name} expects [{string.Join(", ", target.shape)}]");
                target.copy_(t);
            }
        model.eval();
        return (model, method);
    }

    static (double Accuracy, double Loss) Evaluate(Linear head, Tensor features, IReadOnlyList<LabelledIds> rows)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var labels = tensor(rows.Select(r => (long)r.Label).ToArray());
        var logits = head.call(features);
        double loss = nn.functional.cross_entropy(logits, labels).to(ScalarType.Float64).item<double>();
        long correct = logits.argmax(1).eq(labels).sum().item<long>();
        return ((double)correct / rows.Count, loss);
    }
}
