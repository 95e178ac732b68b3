using System.Text.Json;
using CourseWorkbook.Notebook;

namespace CourseWorkbook.Tests.Notebook;

/// <summary>The library side of what the notebook's host sees: the environment variables the runner (or a VS Code
/// user) sets, and what the library displays. Outside a kernel, displays go to the console. One class, so the tests
/// that touch process-wide state (environment, console) never run in parallel with each other.</summary>
public class HostBridgeTests
{
    static string CaptureConsole(Action body)
    {
        var original = Console.Out;
        var captured = new StringWriter();
        Console.SetOut(captured);
        try { body(); }
        finally { Console.SetOut(original); }
        return captured.ToString();
    }

    static void WithEnvironment(IReadOnlyDictionary<string, string> variables, Action body)
    {
        foreach (var (name, value) in variables) Environment.SetEnvironmentVariable(name, value);
        try { body(); }
        finally
        {
            foreach (var name in variables.Keys) Environment.SetEnvironmentVariable(name, null);
        }
    }

    [Fact]
    public void Outside_a_kernel_the_host_is_the_console()
    {
        Assert.Equal(HostKind.Console, Host.Kind);
        Assert.False(Host.IsHeadlessRunner);
    }

    [Fact]
    public void Published_results_are_kept_and_shown_as_name_equals_value()
    {
        var shown = CaptureConsole(() =>
        {
            Results.Publish("final_loss", 0.012345);
            Results.Publish("path", "offline");
        });

        Assert.Equal(0.012345, (double)Results.All["final_loss"]);
        Assert.Equal("offline", Results.All["path"]);
        Assert.Equal(["published: final_loss = 0.0123", "published: path = offline"],
            shown.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()));
    }

    [Fact]
    public void The_results_payload_is_the_documented_json()
    {
        var payload = new PublishedResults([new("loss", 0.5, "nats"), new("path", "offline", null)]).ToJson();

        using var json = JsonDocument.Parse(payload);
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal("loss", results[0].GetProperty("name").GetString());
        Assert.Equal(0.5, results[0].GetProperty("value").GetDouble());
        Assert.Equal("nats", results[0].GetProperty("unit").GetString());
        Assert.Equal("offline", results[1].GetProperty("value").GetString());
        Assert.False(results[1].TryGetProperty("unit", out _));
    }

    [Fact]
    public void Bad_result_names_and_values_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Results.Publish("has space", 1.0));
        Assert.Throws<ArgumentException>(() => Results.Publish("nan_value", double.NaN));
    }

    [Fact]
    public void Parameters_take_environment_overrides_case_insensitively_and_are_declared()
    {
        var overrides = new Dictionary<string, string>
        {
            ["COURSEWORKBOOK_PARAM_EPOCHS"] = "7", ["COURSEWORKBOOK_PARAM_LR"] = "0.5", ["COURSEWORKBOOK_PARAM_FAST"] = "yes",
        };
        WithEnvironment(overrides, () =>
        {
            Assert.Equal(7, Parameters.Get("epochs", 100));
            Assert.Equal(0.5, Parameters.Get("lr", 1e-3));
            Assert.True(Parameters.Get("fast", false));
            Assert.Equal(64, Parameters.Get("batch", 64));
            var e = Assert.Throws<ArgumentException>(() => Parameters.Get("lr", 1)); // "0.5" is not an int
            Assert.Contains("COURSEWORKBOOK_PARAM_LR", e.Message);
        });

        var declared = Parameters.Declared;
        Assert.Equal("7", declared["EPOCHS"]);
        Assert.Equal("64", declared["batch"]);
        using var json = JsonDocument.Parse(declared.ToJson());
        Assert.Equal("true", json.RootElement.GetProperty("parameters").GetProperty("fast").GetString());
    }

    [Fact]
    public void The_output_directory_and_notebook_come_from_the_runners_variables()
    {
        var folder = Path.Combine(Path.GetTempPath(), "cw-host-" + Guid.NewGuid().ToString("N"));
        WithEnvironment(new Dictionary<string, string>
        {
            [Host.Variables.OutputDirectory] = folder, [Host.Variables.Notebook] = "/somewhere/03-triplet-loss.dib",
        }, () =>
        {
            Assert.Equal(folder, Host.OutputDirectory);
            Assert.True(Directory.Exists(folder), "the folder is created on first use");
            Assert.True(Host.IsHeadlessRunner);
            Assert.Equal("/somewhere/03-triplet-loss.dib", Host.NotebookPath);
        });
        Directory.Delete(folder);
    }

    [Fact]
    public void Console_progress_prints_the_first_report_and_the_final_state()
    {
        var shown = CaptureConsole(() =>
        {
            using var p = Progress.Start("work", 4, consoleIntervalSeconds: 3600);
            for (int i = 1; i <= 4; i++) p.Report(i, $"step {i}");
        });

        var lines = shown.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("work: 1/4", lines[0]);
        Assert.Contains("4/4 (100%)", lines[1]);
        Assert.EndsWith("done", lines[1].TrimEnd());
    }

    [Fact]
    public void A_progress_view_renders_a_bar_and_its_line()
    {
        var view = new ProgressView(3, 4, "work: 3/4 <fast>");

        Assert.Equal("<div><progress value=\"3\" max=\"4\" style=\"width:300px\"></progress> <span>work: 3/4 &lt;fast&gt;</span></div>",
            view.ToHtml());
        Assert.Equal("work: 3/4 <fast>", view.ToString());
    }
}
