using System.Diagnostics;
using CourseWorkbook.Models;
using CourseWorkbook.Runtime;
using CourseWorkbook.Weights;
using TorchSharp;

// stories260K decoding speed with and without the KV cache (greedy, 200 tokens from BOS), plus the plain-C# run.c
// reference. Prints the median of several runs after a warm-up, and the cached/uncached ratio.
TorchRuntime.EnsureLoaded();
if (args.FirstOrDefault() == "minilm") return MiniLmBenchmark.Run(args[1..]);
int runs = args.Length > 0 ? int.Parse(args[0]) : 7;
int tokens = args.Length > 1 ? int.Parse(args[1]) : 200;
int threads = args.Length > 2 ? int.Parse(args[2]) : 1;
torch.set_num_threads(threads);

var path = new ModelStore().Resolve("stories260K", "stories260K.gguf");
if (!path.Found) { Console.Error.WriteLine(path.Message); return 1; }
using var gguf = GgufFile.Open(path.Path!);
var (model, report) = LlamaForCausalLM.FromGguf(gguf);
report.ThrowIfIncomplete();

double Median(IEnumerable<double> xs) { var s = xs.OrderBy(x => x).ToArray(); return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2; }
double Measure(Func<double> run) { run(); return Median(Enumerable.Range(0, runs).Select(_ => run())); }

double cached = Measure(() => TextGeneration.Generate(model, [1], tokens, useKvCache: true).TokensPerSecond);
double uncached = Measure(() => TextGeneration.Generate(model, [1], tokens, useKvCache: false).TokensPerSecond);
double reference = Measure(() =>
{
    var sw = Stopwatch.StartNew();
    var ids = Llama2cReference.FromGguf(gguf).GenerateGreedy(tokens);
    return ids.Count / sw.Elapsed.TotalSeconds;
});

Console.WriteLine($"stories260K, {tokens} tokens from BOS, median of {runs} runs, torch threads {threads}");
Console.WriteLine($"  TorchSharp with KV cache     {cached,8:F0} tokens/s");
Console.WriteLine($"  TorchSharp without KV cache  {uncached,8:F0} tokens/s");
Console.WriteLine($"  cache speed-up               {cached / uncached,8:F2}×");
Console.WriteLine($"  plain C# run.c reference     {reference,8:F0} tokens/s (cached, includes weight loading)");
return 0;
