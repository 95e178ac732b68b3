using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CourseWorkbook.Clip;
using CourseWorkbook.Runtime;
using TorchSharp;

// Trains practical 04's tiny CLIP on the synthetic shape world and writes data/clip/ (or --out DIR): config.json,
// model.safetensors (F32, HF CLIPModel names) and training.json (the loss and 1/τ curves). Fixed seed, one torch
// thread, so that a rerun writes the same bytes.
//   --steps N  optimisation steps (default 2000)   --batch B  pairs per step (128)   --pool N  training pairs (8192)
//   --compare-objectives  instead: the ranking loss against caption prediction (a bag of words) at equal steps
//                         (default 600), zero-shot accuracy every 50 steps → objectives.json
//   --compare-lit  instead: LiT (the ImageNet ResNet18 frozen, text tower and projections trained) against the tiny
//                  CLIP from scratch at equal steps (default 200) and batch (64), on the same --pool (512) → lit.json
//   --usage-image  instead: draws the usage cell's picture (Drawings.Rabbit, 320 × 320) → rabbit.png
TorchRuntime.EnsureLoaded();
torch.set_num_threads(1);
string? output = null;
int? stepsOption = null;
int batch = 128, pool = 8192;
bool compare = false, lit = false, usageImage = false;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--out") output = args[++i];
    else if (args[i] == "--steps") stepsOption = int.Parse(args[++i], CultureInfo.InvariantCulture);
    else if (args[i] == "--compare-objectives") compare = true;
    else if (args[i] == "--compare-lit") lit = true;
    else if (args[i] == "--usage-image") usageImage = true;
    else if (args[i] == "--batch") batch = int.Parse(args[++i], CultureInfo.InvariantCulture);
    else if (args[i] == "--pool") pool = int.Parse(args[++i], CultureInfo.InvariantCulture);
    else { Console.Error.WriteLine($"unknown argument {args[i]}"); return 2; }
}
output ??= Path.Combine(WorkbookPaths.RepositoryRoot(), "data", "clip");
int steps = stepsOption ?? (compare ? 600 : lit ? 200 : 2000);
if (lit && !args.Contains("--batch")) batch = 64;
if (lit && !args.Contains("--pool")) pool = 512;
Directory.CreateDirectory(output);
if (usageImage)
{
    ImageFile.WritePng(Path.Combine(output, Drawings.RabbitFileName), Drawings.Rabbit());
    Console.WriteLine($"wrote {Path.Combine(output, Drawings.RabbitFileName)}");
    return 0;
}
var clock = Stopwatch.StartNew();

Seeding.SeedAll(42);
var tokenizer = ShapeWorld.Tokenizer();
var config = TinyClip.Config(tokenizer);
var data = TinyClip.Tensors(ShapeWorld.Sample(pool, Seeding.Random(stream: 40)), tokenizer);
Console.WriteLine($"rendered {pool} training pairs in {clock.Elapsed.TotalSeconds:F0} s");
if (compare) return CompareObjectives();
if (lit) return CompareLit();

Seeding.SeedAll(42);
using var model = new ClipModel(config);
var run = TinyClip.Train(model, data, steps, batch, Seeding.Random(stream: 44), logEvery: 10);
Console.WriteLine($"trained {steps} steps of {batch} pairs in {clock.Elapsed.TotalSeconds:F0} s; {run.Curve}");

AtomicFile.WriteAllText(Path.Combine(output, "config.json"), config.ToJson() + "\n");
model.Save(Path.Combine(output, "model.safetensors"), new Dictionary<string, string>
{
    ["format"] = "pt", ["steps"] = steps.ToString(CultureInfo.InvariantCulture),
    ["batch"] = batch.ToString(CultureInfo.InvariantCulture), ["seed"] = "42",
    ["pool"] = pool.ToString(CultureInfo.InvariantCulture),
});
var log = new { steps = run.Curve.Steps, loss = run.Curve.Losses.Select(v => Math.Round(v, 5)),
    inverse_temperature = run.InverseTemperature.Select(v => Math.Round(v, 4)) };
AtomicFile.WriteAllText(Path.Combine(output, "training.json"), JsonSerializer.Serialize(log) + "\n");

var seen = ShapeWorld.Sample(500, Seeding.Random(stream: 41));
var heldOut = ShapeWorld.Sample(500, Seeding.Random(stream: 42), heldOut: true);
var prompts = new[] { ("photo", ClipEvaluation.PhotoTemplate), ("ensemble", ClipEvaluation.Ensemble) };
foreach (var (name, templates) in prompts)
{
    var a = ClipEvaluation.ZeroShot(model, tokenizer, seen, ShapeWorld.Labels, templates, TinyClip.ContextLength);
    var b = ClipEvaluation.ZeroShot(model, tokenizer, heldOut, ShapeWorld.Labels, templates, TinyClip.ContextLength);
    Console.WriteLine($"zero-shot ({name}): seen {a.Accuracy:F3}, held-out combinations {b.Accuracy:F3}");
}
var recall = ClipEvaluation.Recall(model, tokenizer, ShapeWorld.Sample(200, Seeding.Random(stream: 43), template: 0),
    TinyClip.ContextLength);
Console.WriteLine($"recall: {recall}; τ = {run.FinalTemperature:F4}; total {clock.Elapsed.TotalSeconds:F0} s");
return 0;

// The same towers, initialisation, data and batches; only the objective differs.
int CompareObjectives()
{
    var images = ShapeWorld.Sample(300, Seeding.Random(stream: 41));
    var ranking = new List<(int Step, double Accuracy)>();
    var bagOfWords = new List<(int Step, double Accuracy)>();
    Seeding.SeedAll(42);
    using (var clip = new ClipModel(config))
        TinyClip.Train(clip, data, steps, batch, Seeding.Random(stream: 44), name: "ranking (InfoNCE)",
            evaluate: step => ranking.Add((step, ClipEvaluation.ZeroShot(clip, tokenizer, images, ShapeWorld.Labels,
                ClipEvaluation.Ensemble, TinyClip.ContextLength).Accuracy)));
    Seeding.SeedAll(42);
    using (var predictor = new ClipModel(config))
    using (var head = torch.nn.Linear(config.ProjectionDim, config.Text.VocabSize))
        TinyClip.TrainCaptionPrediction(predictor, head, data, steps, batch, Seeding.Random(stream: 44),
            evaluate: step => bagOfWords.Add((step, TinyClip.CaptionPredictionAccuracy(predictor, head, tokenizer,
                images, ShapeWorld.Labels))));
    var result = new { steps = ranking.Select(r => r.Step), batch,
        ranking = ranking.Select(r => Math.Round(r.Accuracy, 4)),
        bag_of_words = bagOfWords.Select(r => Math.Round(r.Accuracy, 4)) };
    AtomicFile.WriteAllText(Path.Combine(output, "objectives.json"), JsonSerializer.Serialize(result) + "\n");
    Console.WriteLine($"zero-shot accuracy after {steps} steps: ranking {ranking[^1].Accuracy:F3}, "
        + $"bag of words {bagOfWords[^1].Accuracy:F3}; {clock.Elapsed.TotalSeconds:F0} s");
    return 0;
}

// LiT against training from scratch: same pairs, batches, steps and evaluation images.
int CompareLit()
{
    var lookup = CourseWorkbook.Models.ResNetFeaturizer.TryLoad(
        new CourseWorkbook.Weights.PackageDownloadOptions(TimeSpan.FromSeconds(120)));
    if (lookup.Featurizer is not { } featurizer) { Console.Error.WriteLine(lookup.Message); return 1; }
    Console.WriteLine(lookup.Message);
    var seen = ShapeWorld.Sample(200, Seeding.Random(stream: 41));
    var heldOut = ShapeWorld.Sample(200, Seeding.Random(stream: 42), heldOut: true);
    var featureClock = Stopwatch.StartNew();
    using var trainFeatures = LockedImageTuning.Features(featurizer, data.Pairs, chunk: 8);
    using var seenFeatures = LockedImageTuning.Features(featurizer, seen, chunk: 8);
    using var heldFeatures = LockedImageTuning.Features(featurizer, heldOut, chunk: 8);
    double featureSeconds = featureClock.Elapsed.TotalSeconds;
    Console.WriteLine($"ResNet18 features of {pool + 400} images in {featureSeconds:F0} s");
    var litSeen = new List<double>(); var litHeld = new List<double>(); var litSteps = new List<int>();
    Seeding.SeedAll(42);
    using (var text = new ClipModel(config))
    using (var projection = LockedImageTuning.Projection(config))
        LockedImageTuning.Train(text, projection, trainFeatures, data.Ids, steps, batch, Seeding.Random(stream: 44),
            evaluate: step =>
            {
                litSteps.Add(step);
                litSeen.Add(LockedImageTuning.ZeroShot(text, projection, tokenizer, seenFeatures, seen,
                    ShapeWorld.Labels, ClipEvaluation.Ensemble, TinyClip.ContextLength).Accuracy);
                litHeld.Add(LockedImageTuning.ZeroShot(text, projection, tokenizer, heldFeatures, heldOut,
                    ShapeWorld.Labels, ClipEvaluation.Ensemble, TinyClip.ContextLength).Accuracy);
            }, evaluateEvery: 25);
    var scratchSeen = new List<double>(); var scratchHeld = new List<double>();
    Seeding.SeedAll(42);
    using (var clip = new ClipModel(config))
        TinyClip.Train(clip, data, steps, batch, Seeding.Random(stream: 44), name: "from scratch",
            evaluate: step =>
            {
                scratchSeen.Add(ClipEvaluation.ZeroShot(clip, tokenizer, seen, ShapeWorld.Labels,
                    ClipEvaluation.Ensemble, TinyClip.ContextLength).Accuracy);
                scratchHeld.Add(ClipEvaluation.ZeroShot(clip, tokenizer, heldOut, ShapeWorld.Labels,
                    ClipEvaluation.Ensemble, TinyClip.ContextLength).Accuracy);
            }, evaluateEvery: 25);
    static IEnumerable<double> R(List<double> v) => v.Select(a => Math.Round(a, 4));
    var result = new { steps = litSteps, batch, pool, eval_images = seen.Count, upscale = "nearest, 32 to 224",
        lit_seen = R(litSeen), lit_heldout = R(litHeld), scratch_seen = R(scratchSeen),
        scratch_heldout = R(scratchHeld) };
    AtomicFile.WriteAllText(Path.Combine(output, "lit.json"), JsonSerializer.Serialize(result) + "\n");
    Console.WriteLine($"zero-shot after {steps} steps of {batch}: LiT seen {litSeen[^1]:F3} held-out {litHeld[^1]:F3};"
        + $" scratch seen {scratchSeen[^1]:F3} held-out {scratchHeld[^1]:F3}; {clock.Elapsed.TotalSeconds:F0} s");
    return 0;
}

