using System.Diagnostics;
using System.Globalization;
using CourseWorkbook.Runtime;
using CourseWorkbook.Scaling;
using TorchSharp;

// Runs practical 06's scaling sweep: every model of ScalingSweep.Models trained at every budget of
// ScalingSweep.Budgets on the synthetic Markov language, and writes data/scaling/sweep.csv (or --out DIR).
// Fixed seeds, one torch thread: a rerun writes the same bytes.
//   --budget C   run one budget only (to time it); --models L:W,L:W   run these sizes only; --lr X   learning rate;
//   --extrapolate   then train, at ScalingSweep.NextBudget, the size nearest the N_opt the IsoFLOP fit predicts, and
//                   write extrapolation.csv (not part of the shipped data)
TorchRuntime.EnsureLoaded();
torch.set_num_threads(1);
string output = ScalingSweep.DataFolder ?? Path.Combine("data", "scaling");
var budgets = ScalingSweep.Budgets.ToList();
var models = ScalingSweep.Models.ToList();
var settings = new SweepSettings();
bool extrapolate = false;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--out" && i + 1 < args.Length) output = args[++i];
    else if (args[i] == "--budget" && i + 1 < args.Length)
        budgets = [double.Parse(args[++i], CultureInfo.InvariantCulture)];
    else if (args[i] == "--models" && i + 1 < args.Length)
        models = args[++i].Split(',').Select(m => m.Split(':'))
            .Select(p => new SweepModel(int.Parse(p[0]), int.Parse(p[1]))).ToList();
    else if (args[i] == "--extrapolate") extrapolate = true;
    else if (args[i] == "--lr" && i + 1 < args.Length)
        settings = settings with { LearningRate = double.Parse(args[++i], CultureInfo.InvariantCulture) };
    else
    {
        Console.Error.WriteLine(
            $"unknown argument {args[i]} (use --out DIR, --budget C, --models L:W,..., --lr X, --extrapolate)");
        return 2;
    }
}
Directory.CreateDirectory(output);
var language = ScalingSweep.Language();
Console.WriteLine($"language: vocab {language.Vocab}, order {language.Order}, " +
    $"entropy rate {language.EntropyRate:F4} nats/token, " +
    $"unigram entropy {language.UnigramEntropy:F4}; {settings}");
var total = Stopwatch.StartNew();
var results = new List<SweepResult>();
foreach (var budget in budgets)
    foreach (var model in models)
    {
        var sw = Stopwatch.StartNew();
        var r = ScalingSweep.Train(language, model, budget, settings);
        results.Add(r);
        Console.WriteLine($"C {budget:G2}  L{r.Layers} d{r.Width,-3} N {r.N,7}  D {r.Tokens,9}  steps {r.Steps,6}  " +
            $"loss {r.Loss:F4}  " +
            $"acc {r.Accuracy:F3}  {sw.Elapsed.TotalSeconds,6:F1} s");
    }
var path = Path.Combine(output, "sweep.csv");
AtomicFile.WriteAllText(path, ScalingSweep.ToCsv(results));
Console.WriteLine($"wrote {path} ({results.Count} runs) in {total.Elapsed.TotalSeconds:F0} s");

// The extrapolation check: the IsoFLOP fit of the grid predicts N_opt for ten times the largest budget; train the
// grid's size nearest to it at that budget (the notebook compares its loss with the fits' predictions).
if (!extrapolate) return 0;
var iso = ScalingSweep.IsoFlops(results);
double next = ScalingSweep.NextBudget, predicted = iso.OptimalN(next);
var chosen = ScalingSweep.Nearest(predicted, language.Vocab, settings.Context);
Console.WriteLine($"IsoFLOP: N_opt ∝ C^{iso.Exponent:F3}; predicted N_opt at {next:G2} = {predicted:F0}; " +
    $"training L{chosen.Layers} d{chosen.Width}");
var sw2 = Stopwatch.StartNew();
var check = ScalingSweep.Train(language, chosen, next, settings);
Console.WriteLine($"C {next:G2}  L{check.Layers} d{check.Width} N {check.N}  D {check.Tokens}  loss {check.Loss:F4}  " +
    $"acc {check.Accuracy:F3}  {sw2.Elapsed.TotalSeconds:F1} s");
var checkPath = Path.Combine(output, "extrapolation.csv");
AtomicFile.WriteAllText(checkPath, ScalingSweep.ToCsv([check]));
Console.WriteLine($"wrote {checkPath}; total {total.Elapsed.TotalSeconds:F0} s");
return 0;
