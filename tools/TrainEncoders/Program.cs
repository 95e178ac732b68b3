using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using CourseWorkbook.Embeddings;
using CourseWorkbook.Models;
using CourseWorkbook.Runtime;
using CourseWorkbook.Tokenization;
using CourseWorkbook.Weights;
using TorchSharp;

// Trains practical 02's two encoders and writes them to data/encoders/ (or --out DIR): vocab.txt (reduced WordPiece
// vocabulary), config.json, mlm.safetensors (masked-LM pretraining on the workbook's training text) and
// contrastive.safetensors (the same encoder after InfoNCE on training-split paraphrase pairs). Fixed seed, one torch
// thread.
//   --dev            choose settings honestly: train without the training groups whose id % 5 == 3 and report the AUC
//                    on them (the held-out split, id % 5 == 4, is never touched in this mode)
//   --set Name=Value override an EncoderTrainingOptions field, e.g. --set MlmSteps=1000
TorchRuntime.EnsureLoaded();
torch.set_num_threads(1);   // one thread: as fast on these small shapes, and much faster on a busy machine
string output = WorkbookEncoders.Folder;
bool dev = false, reuseMlm = false;
var node = JsonSerializer.SerializeToNode(new EncoderTrainingOptions())!.AsObject();
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--out") output = args[++i];
    else if (args[i] == "--dev") dev = true;
    else if (args[i] == "--reuse-mlm")
        reuseMlm = true;   // skip pretraining: load the mlm.safetensors already in the output folder
    else if (args[i] == "--set")
    {
        var (key, value) = (args[++i].Split('=')[0], args[i].Split('=')[1]);
        node[key] = JsonNode.Parse(value);
    }
    else { Console.Error.WriteLine($"unknown argument {args[i]}"); return 2; }
}
var options = node.Deserialize<EncoderTrainingOptions>()!;
Directory.CreateDirectory(output);
var total = Stopwatch.StartNew();

var paraphrases = EmbeddingData.LoadParaphrases();
var topics = EmbeddingData.LoadTopics();
IEnumerable<ParaphraseGroup>? evaluated = null;
if (dev)
{
    // Development split: the training groups with id % 5 == 3 play the held-out role; the real held-out groups are
    // dropped.
    var groups = paraphrases.Train.Select(g => g.Id % 5 == 3 ? g with { Split = EmbeddingData.TestSplit } : g)
        .ToArray();
    paraphrases = new ParaphraseSet(groups);
    evaluated = paraphrases.HeldOut;
    Console.WriteLine(
        $"dev mode: {paraphrases.Train.Count} training groups, {paraphrases.HeldOut.Count} development groups");
}
var texts = WorkbookEncoders.TrainingTexts(paraphrases, topics);

var fullVocab = ModelStore.FindLocal(Path.Combine("all-MiniLM-L6-v2", "vocab.txt"))
    ?? throw new FileNotFoundException(
        "bert-base-uncased vocab.txt (all-MiniLM-L6-v2/vocab.txt) not found: " + ModelStore.LocalFolderDescription);
var vocabulary = WorkbookEncoders.BuildVocabulary(Tokenizers.Bert(fullVocab), texts,
    WorkbookEncoders.LeadingWords(fullVocab, options.PriorWords));
File.WriteAllLines(Path.Combine(output, WorkbookEncoders.VocabFile), vocabulary);
var tokenizer = WorkbookEncoders.Tokenizer(vocabulary);
var config = WorkbookEncoders.Config(vocabulary.Count, options);
File.WriteAllText(Path.Combine(output, WorkbookEncoders.ConfigFile), WorkbookEncoders.ConfigJson(config));
Console.WriteLine($"{texts.Count} training texts, vocabulary {vocabulary.Count} tokens\n{options}");

Seeding.SeedAll(options.Seed);
BertForMaskedLM mlm;
if (reuseMlm && File.Exists(WorkbookEncoders.CheckpointPath(WorkbookEncoders.MlmName, output)))
{
    mlm = WorkbookEncoders.LoadMaskedLM(output).Model;
    foreach (var p in mlm.parameters()) p.requires_grad = true;
    Console.WriteLine("MLM: reused the existing checkpoint");
}
else
{
    mlm = new BertForMaskedLM(config);
    var mlmLog = WorkbookEncoders.PretrainMlm(mlm, tokenizer, texts, options,
        onLog: (s, l) => { if (s % 500 == 0) Console.WriteLine($"mlm step {s}: loss {l:F3}"); });
    Console.WriteLine($"MLM: final loss {mlmLog.Losses[^1].Loss:F3} in {mlmLog.Elapsed.TotalSeconds:F0} s");
    WorkbookEncoders.Save(mlm, WorkbookEncoders.CheckpointPath(WorkbookEncoders.MlmName, output),
        WorkbookEncoders.MlmName);
}

var pairs = ParaphrasePairs.TrainingPairs(paraphrases, options.HardNegatives);
var encoder = mlm.bert;
var contrastiveLog = WorkbookEncoders.TrainContrastive(encoder, tokenizer, pairs, options,
    onLog: (s, l) => { if (s % 100 == 0) Console.WriteLine($"contrastive step {s}: loss {l:F3}"); },
    unlabelled: options.AugmentUnlabelled ? texts : null,
    onEpoch: !dev ? null : epoch =>
    {
        var e = new WorkbookEncoder("dev", encoder, tokenizer);
        var auc = EmbeddingEvaluation.Paraphrases(e.Embed, paraphrases, evaluated).Auc;
        Console.WriteLine($"epoch {epoch}: development paraphrase AUC {auc:F3}");
    });
Console.WriteLine($"contrastive: {pairs.Count} pairs, final loss {contrastiveLog.Losses[^1].Loss:F3} "
    + $"in {contrastiveLog.Elapsed.TotalSeconds:F0} s");
WorkbookEncoders.Save(encoder, WorkbookEncoders.CheckpointPath(WorkbookEncoders.ContrastiveName, output),
    WorkbookEncoders.ContrastiveName);

string label = dev ? "development" : "held-out";
foreach (var name in new[] { WorkbookEncoders.MlmName, WorkbookEncoders.ContrastiveName })
{
    var e = WorkbookEncoders.Load(name, output);
    var p = EmbeddingEvaluation.Paraphrases(e.Embed, paraphrases, evaluated);
    var t = EmbeddingEvaluation.Topics(e.Embed, topics);
    var kib = new FileInfo(WorkbookEncoders.CheckpointPath(name, output)).Length / 1024;
    Console.WriteLine($"{name}: {label} paraphrase AUC {p.Auc:F3} (hard {p.HardNegativeAuc:F3}), "
        + $"topic 1-NN {t.Accuracy:F3}, {kib} KiB");
}
var tfidf = TfIdfEmbedder.Fit(texts);
var tp = EmbeddingEvaluation.Paraphrases(x => tfidf.Embed(x), paraphrases, evaluated);
Console.WriteLine($"tf-idf: {label} paraphrase AUC {tp.Auc:F3} (hard {tp.HardNegativeAuc:F3})");
Console.WriteLine($"total {total.Elapsed.TotalSeconds:F0} s");
return 0;
