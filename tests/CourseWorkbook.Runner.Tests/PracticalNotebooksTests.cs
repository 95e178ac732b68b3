using System.Diagnostics;
using System.Text.Json;

namespace CourseWorkbook.Runner.Tests;

/// <summary>
/// Executes every practical notebook headless through the runner, as CI and the README's run command do, and checks
/// that the numbers each lesson rests on (its published results) land in the expected range.
/// </summary>
public class PracticalNotebooksTests
{
    /// <summary>Expected ranges of the published results, per notebook. A notebook that runs but teaches nothing fails here.</summary>
    static readonly Dictionary<string, (string Name, double Min, double Max)[]> Expectations = new()
    {
        ["03-triplet-loss.dib"] =
        [
            // A linear map of the line cannot fold class 0's two modes together: the loss stalls well above zero…
            ("linear_final_loss", 0.3, 1.5),
            ("linear_loss", 0.45, 0.8),
            ("linear_loss_floor", 0.45, 0.75),
            ("linear_weight_norm", 0.5, 2.5),
            ("linear_triplets_satisfied", 0.5, 0.9),
            // …while the MLP satisfies (almost) every triplet.
            ("mlp_final_loss", 0.0, 0.05),
            ("mlp_triplets_satisfied", 0.97, 1.0),
            ("linear_knn_accuracy", 0.9, 1.0),
            ("mlp_knn_accuracy", 0.95, 1.0),
            ("linear_centroid_accuracy", 0.0, 0.85),
            ("mlp_centroid_accuracy", 0.95, 1.0),
            ("cross_entropy_knn_accuracy", 0.7, 1.0),
            ("siamese_knn_accuracy", 0.8, 1.0),
            ("triplet_knn_accuracy", 0.8, 1.0),
            ("cross_entropy_ratio", 1.0, 100),
            ("siamese_ratio", 1.0, 100),
            ("triplet_ratio", 1.0, 100),
        ],
    };

    /// <summary>Relations between results that the lesson claims: Larger > Smaller − Tolerance.</summary>
    static readonly Dictionary<string, (string Larger, string Smaller, double Tolerance)[]> Orderings = new()
    {
        ["03-triplet-loss.dib"] =
        [
            ("linear_final_loss", "mlp_final_loss", 0),
            // The trained linear map cannot beat the best linear map (up to the scan's grid step of 0.01 in ‖W‖).
            ("linear_loss", "linear_loss_floor", 0.005),
            ("mlp_centroid_accuracy", "linear_centroid_accuracy", 0),
            ("siamese_ratio", "cross_entropy_ratio", 0),
            ("triplet_ratio", "cross_entropy_ratio", 0),
        ],
    };

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
        Assert.True(Expectations.ContainsKey(notebook), $"{notebook} has no expected results: add them to {nameof(PracticalNotebooksTests)}");
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
            foreach (var (name, min, max) in Expectations[notebook])
            {
                if (!results.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number)
                    failures.Add($"{name}: not published");
                else if (value.GetDouble() is var v && (v < min || v > max))
                    failures.Add($"{name} = {v} outside [{min}, {max}]");
            }
            foreach (var (larger, smaller, tolerance) in Orderings.GetValueOrDefault(notebook, []))
                if (results.TryGetProperty(larger, out var l) && results.TryGetProperty(smaller, out var s) && !(l.GetDouble() > s.GetDouble() - tolerance))
                    failures.Add($"expected {larger} ({l.GetDouble()}) > {smaller} ({s.GetDouble()}){(tolerance > 0 ? $" − {tolerance}" : "")}");
            Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));

            var ipynb = Path.Combine(output, Path.ChangeExtension(notebook, ".ipynb"));
            Assert.True(File.Exists(ipynb), $"no executed notebook at {ipynb}");
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }

    static (int Exit, string Stderr) RunRunner(string notebook, string output)
    {
        var runner = typeof(CourseWorkbook.Runner.Program).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
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
