using System.Diagnostics;
using System.Globalization;
using CourseWorkbook.Runtime;
using CourseWorkbook.Scaling;
using TorchSharp;

// Runs practical 06's grokking experiment: (a + b) mod 23 learned by a small MLP with full-batch AdamW, once with
// weight decay 1 and once without, and writes data/scaling/grokking.csv (or --out DIR). Fixed seed, one torch
// thread: a rerun writes the same bytes.   --steps N   steps per run (default GrokkingSettings.Steps)
TorchRuntime.EnsureLoaded();
torch.set_num_threads(1);
string output = ScalingSweep.DataFolder ?? Path.Combine("data", "scaling");
var settings = new GrokkingSettings();
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--out" && i + 1 < args.Length) output = args[++i];
    else if (args[i] == "--steps" && i + 1 < args.Length)
        settings = settings with { Steps = int.Parse(args[++i], CultureInfo.InvariantCulture) };
    else
    {
        Console.Error.WriteLine($"unknown argument {args[i]} (use --out DIR, --steps N)");
        return 2;
    }
}
Directory.CreateDirectory(output);
var points = new List<GrokkingPoint>();
foreach (var weightDecay in new[] { settings.WeightDecay, 0.0 })
{
    var sw = Stopwatch.StartNew();
    var run = Grokking.Train(settings with { WeightDecay = weightDecay });
    points.AddRange(run);
    Console.WriteLine($"weight decay {weightDecay}: train accuracy 1 at step {Grokking.FirstStep(run, 1.0, false)}, " +
        $"test ≥ 0.95 at step {Grokking.FirstStep(run, 0.95, true)}; final test {run[^1].TestAccuracy:F3} " +
        $"({sw.Elapsed.TotalSeconds:F1} s)");
}
var path = Path.Combine(output, "grokking.csv");
AtomicFile.WriteAllText(path, Grokking.ToCsv(points));
Console.WriteLine($"wrote {path} ({points.Count} rows); {settings}");
return 0;
