using System.Diagnostics;
using System.Globalization;
using CourseWorkbook.Peft;
using CourseWorkbook.Runtime;
using TorchSharp;

// Runs practical 08's full fine-tuning and LoRA (sections 4 and 6: stories260K learning the captain's log, 8 entries
// per step, LoRA r 8 α 16 on all linear layers at lr 5e-3, full fine-tuning at lr 1e-3) for four times the
// notebook's 40-step budget, held-out losses on the log and on the model's own stories every 10 steps, and writes
// data/peft/long-runs.json (or to --out DIR). The first 40 steps are the notebook's runs (same seeds, same batches).
// Fixed seeds, one torch thread: a rerun writes the same bytes.
//   --out DIR   write there   --steps N   steps per run (a quick look; the shipped file uses 160)
TorchRuntime.EnsureLoaded();
torch.set_num_threads(1);
string? output = null;
int steps = 160;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--out" && i + 1 < args.Length) output = args[++i];
    else if (args[i] == "--steps" && i + 1 < args.Length) steps = int.Parse(args[++i], CultureInfo.InvariantCulture);
    else
    {
        Console.Error.WriteLine($"unknown argument {args[i]} (use --out DIR, --steps N)");
        return 2;
    }
}
output ??= Path.Combine(WorkbookPaths.RepositoryRoot(), "data", "peft");
Directory.CreateDirectory(output);
var total = Stopwatch.StartNew();

using var log = CaptainsLogTask.Load();
const int budget = 40;
var settings = new FineTuneSettings(Steps: steps, BatchSize: 8, LearningRate: 5e-3, EvalEvery: 10);
var runs = new List<LongRun>();
foreach (var (method, lr) in new[] { ("Full fine-tuning", 1e-3), ("LoRA", 5e-3) })
{
    var model = log.LoadModel();
    if (method == "LoRA") LoraModel.Inject(model, new LoraConfig(8, 16, 0, LoraConfig.AllLinear));
    else Trainable.All(model);
    var r = FineTuning.Run(method, model, log.Train, log.HeldOut, log.Original, settings with { LearningRate = lr });
    runs.Add(LongRun.From(r, lr));
    foreach (var p in runs[^1].Points.Where(p => p.Step % budget == 0))
        Console.WriteLine($"{method,-18} step {p.Step,4}  target {p.TargetLoss:F4}  original {p.OriginalLoss:F4}");
    Console.WriteLine($"{method,-18} {r.Seconds:F1} s");
    model.Dispose();
}
var path = Path.Combine(output, LongRuns.FileName);
AtomicFile.WriteAllText(path, new LongRuns("stories260K", budget, steps, settings.EvalEvery, settings.BatchSize,
    runs).ToJson());
LongRuns.Read(path);   // what was written reads back
Console.WriteLine($"wrote {path} in {total.Elapsed.TotalSeconds:F0} s");
return 0;

