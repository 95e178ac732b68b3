using System.Diagnostics;
using System.Text.Json;
using CourseWorkbook.Clip;

namespace CourseWorkbook.Runner.Tests;

/// <summary>
/// Executes every practical notebook headless through the runner, in the real .NET Interactive kernel as CI and the
/// README's run command do, and checks that no cell ends with an error output and that the numbers each lesson rests
/// on (its published results) land in the expected range.
/// </summary>
public class PracticalNotebooksTests
{
    /// <summary>What a notebook must publish: Practicals/&lt;notebook&gt;.expected.json holds the range of each result and
    /// the relations between results that the lesson claims. A notebook that runs but teaches nothing fails here.</summary>
    sealed record Expected(Dictionary<string, (double Min, double Max)> Ranges, List<(string Larger, string Smaller, double Tolerance)> Orderings)
    {
        public static Expected Load(string notebook)
        {
            var path = Path.Combine(AppContext.BaseDirectory, "Practicals", Path.ChangeExtension(notebook, ".expected.json"));
            Assert.True(File.Exists(path), $"{notebook} has no expected results: add {Path.GetFileName(path)} to tests/CourseWorkbook.Runner.Tests/Practicals/");
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var ranges = doc.RootElement.GetProperty("ranges").EnumerateObject()
                .ToDictionary(p => p.Name, p => (p.Value[0].GetDouble(), p.Value[1].GetDouble()));
            var orderings = doc.RootElement.TryGetProperty("orderings", out var o)
                ? o.EnumerateArray().Select(e => (e.GetProperty("larger").GetString()!, e.GetProperty("smaller").GetString()!,
                    e.TryGetProperty("tolerance", out var t) ? t.GetDouble() : 0)).ToList()
                : [];
            Assert.NotEmpty(ranges);
            return new Expected(ranges, orderings);
        }
    }

    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(Path.Combine(RepoRoot(), "notebooks"), "*.dib").Order())
            data.Add(Path.GetFileName(path));
        return data;
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void Notebook_runs_headless_and_publishes_results_in_range(string notebook)
    {
        var expected = Expected.Load(notebook);
        var output = Path.Combine(Path.GetTempPath(), "cw-practical-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (exit, stderr) = RunRunner(Path.Combine(RepoRoot(), "notebooks", notebook), output);
            Assert.True(exit == 0, $"runner exited with {exit}:\n{stderr}");

            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "summary.json")));
            var entry = summary.RootElement.GetProperty("notebooks")[0];
            Assert.Equal("passed", entry.GetProperty("status").GetString());
            var results = entry.GetProperty("results");
            var failures = new List<string>();
            foreach (var (name, (min, max)) in expected.Ranges)
            {
                if (!results.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number)
                    failures.Add($"{name}: not published");
                else if (value.GetDouble() is var v && (v < min || v > max))
                    failures.Add($"{name} = {v} outside [{min}, {max}]");
            }
            foreach (var (larger, smaller, tolerance) in expected.Orderings)
                if (results.TryGetProperty(larger, out var l) && results.TryGetProperty(smaller, out var s) && !(l.GetDouble() > s.GetDouble() - tolerance))
                    failures.Add($"expected {larger} ({l.GetDouble()}) > {smaller} ({s.GetDouble()}){(tolerance > 0 ? $" − {tolerance}" : "")}");
            Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));

            var ipynb = Path.Combine(output, Path.ChangeExtension(notebook, ".ipynb"));
            Assert.True(File.Exists(ipynb), $"no executed notebook at {ipynb}");
            using var executed = JsonDocument.Parse(File.ReadAllText(ipynb));
            var errors = executed.RootElement.GetProperty("cells").EnumerateArray()
                .Select((cell, i) => (Index: i + 1, Outputs: cell.TryGetProperty("outputs", out var o) ? o.EnumerateArray().ToList() : []))
                .SelectMany(c => c.Outputs.Where(o => o.GetProperty("output_type").GetString() == "error")
                    .Select(o => $"cell {c.Index}: {o.GetProperty("ename").GetString()}: {o.GetProperty("evalue").GetString()}"))
                .ToList();
            Assert.True(errors.Count == 0, "error outputs in the executed notebook:\n" + string.Join("\n", errors));
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }

    /// <summary>Practical 07's online path (the course's distilgpt2), run offline: a GPT-2 checkpoint in Hugging Face's
    /// layout (the PyTorch fixture of Gpt2ReferenceTests) sits in a Hugging Face cache under the name distilgpt2,
    /// and the notebook must find it there, load it by name and run the fixed loop's checks on it.</summary>
    [Fact]
    public void Practical_07_runs_its_distilgpt2_cells_on_a_checkpoint_in_the_hugging_face_cache()
    {
        var root = Path.Combine(Path.GetTempPath(), "cw-hf-" + Guid.NewGuid().ToString("N"));
        var output = Path.Combine(root, "out");
        try
        {
            var snapshot = HubSnapshot(root, "distilgpt2");
            var fixture = Path.Combine(RepoRoot(), "tests", "CourseWorkbook.Tests", "Training", "Fixtures", "tiny-gpt2");
            foreach (var file in new[] { "config.json", "model.safetensors", "vocab.json", "merges.txt" })
                File.Copy(Path.Combine(fixture, file), Path.Combine(snapshot, file));

            var notebook = Path.Combine(RepoRoot(), "notebooks", "07-training-loop-debugging.dib");
            var (exit, stderr) = RunRunner(notebook, output, ("HF_HUB_CACHE", Path.Combine(root, "hub")));
            Assert.True(exit == 0, $"runner exited with {exit}:\n{stderr}");
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "summary.json")));
            var results = summary.RootElement.GetProperty("notebooks")[0].GetProperty("results");
            double Result(string name) => results.TryGetProperty(name, out var v)
                ? v.GetDouble()
                : throw new Xunit.Sdk.XunitException($"{name} was not published:\n{stderr}");
            Assert.Equal(11_760, Result("distilgpt2_parameters"));   // the fixture's GPT-2: 291 tokens, 16 wide, 2 layers
            Assert.InRange(Result("distilgpt2_batch_grad_diff"), 0, 1e-5);
            Assert.InRange(Result("distilgpt2_heldout_before"), 5.0, 6.5);   // a random 291-token model: ln 291 = 5.67
            Assert.InRange(Result("distilgpt2_heldout_after"), 5.0, 6.5);
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Practical 04's online path, run offline: a CLIPModel folder in Hugging Face's layout (config.json,
    /// model.safetensors, vocab.json, merges.txt) in a Hugging Face cache under openai/clip-vit-base-patch32. Here it
    /// holds the workbook's own tiny CLIP and world tokenizer, so the usage cell must find it there, load it by name,
    /// size its input from the config (32 pixels, 16 tokens), and give the probabilities the offline path gives.</summary>
    [Fact]
    public void Practical_04_runs_its_usage_cell_on_a_clip_checkpoint_in_the_hugging_face_cache()
    {
        var root = Path.Combine(Path.GetTempPath(), "cw-hf-" + Guid.NewGuid().ToString("N"));
        var output = Path.Combine(root, "out");
        try
        {
            var snapshot = HubSnapshot(root, "openai/clip-vit-base-patch32");
            var tiny = Path.Combine(RepoRoot(), "data", "clip");
            foreach (var file in new[] { "config.json", "model.safetensors" })
                File.Copy(Path.Combine(tiny, file), Path.Combine(snapshot, file));
            ShapeWorld.Tokenizer().Save(snapshot);

            var notebook = Path.Combine(RepoRoot(), "notebooks", "04-clip.dib");
            var (exit, stderr) = RunRunner(notebook, output, ("HF_HUB_CACHE", Path.Combine(root, "hub")));
            Assert.True(exit == 0, $"runner exited with {exit}:\n{stderr}");
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "summary.json")));
            var results = summary.RootElement.GetProperty("notebooks")[0].GetProperty("results");
            Assert.Equal("openai/clip-vit-base-patch32", results.GetProperty("usage_model").GetString());
            string[] texts = ["a rabbit", "a curve", "a chair"];
            var online = texts.Select(t => results.GetProperty("usage_probability_" + t[2..]).GetDouble()).ToArray();
            Assert.InRange(online.Sum(), 0.999, 1.001);

            // The same model, tokenizer and picture, here in the test process: the probabilities must agree.
            CourseWorkbook.Runtime.TorchRuntime.EnsureLoaded();
            using var model = TinyClip.LoadPretrained();
            var image = ImageFile.Read(Path.Combine(tiny, "rabbit.png"));
            using var pixels = ClipImageProcessor.PixelValues([image], model.Config.Vision.ImageSize);
            var expected = ClipEvaluation.Probabilities(model, ShapeWorld.Tokenizer(), pixels, texts,
                model.Config.Text.MaxPositionEmbeddings);
            Assert.Equal(expected, online, (a, b) => Math.Abs(a - b) < 1e-5);
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>An empty snapshot folder of <paramref name="modelId"/> in a Hugging Face cache under
    /// <paramref name="root"/>/hub, with refs/main naming it, as huggingface_hub lays a download out.</summary>
    static string HubSnapshot(string root, string modelId)
    {
        const string commit = "0123456789abcdef0123456789abcdef01234567";
        var repo = Path.Combine(root, "hub", "models--" + modelId.Replace("/", "--"));
        var snapshot = Directory.CreateDirectory(Path.Combine(repo, "snapshots", commit)).FullName;
        Directory.CreateDirectory(Path.Combine(repo, "refs"));
        File.WriteAllText(Path.Combine(repo, "refs", "main"), commit);
        return snapshot;
    }

    static (int Exit, string Stderr) RunRunner(string notebook, string output,
        params (string Name, string Value)[] environment)
    {
        var runner = typeof(CourseWorkbook.Runner.Program).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        foreach (var arg in new[] { "exec", runner, "run", notebook, "--out", output }) psi.ArgumentList.Add(arg);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{notebook} did not finish within 10 minutes");
        }
        return (process.ExitCode, stderr.Result + stdout.Result);
    }

    static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CourseWorkbook.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root (CourseWorkbook.sln) not found");
    }
}
