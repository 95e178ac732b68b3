using CourseWorkbook.Notebook;

namespace CourseWorkbook.Tests.Notebook;

/// <summary>The library side of the runner's host contract (AppDomain data keys). One class, so the tests that set
/// process-wide data never run in parallel with each other.</summary>
public class HostBridgeTests
{
    static void WithData(string key, object value, Action body)
    {
        AppDomain.CurrentDomain.SetData(key, value);
        try { body(); }
        finally { AppDomain.CurrentDomain.SetData(key, null); }
    }

    [Fact]
    public void Published_results_reach_the_runner_and_display_as_name_equals_value()
    {
        var seen = new Dictionary<string, object>();
        WithData(Host.Keys.PublishResult, new Action<string, object>((n, v) => seen[n] = v), () =>
        {
            var shown = Results.Publish("final_loss", 0.012345);
            Assert.Equal("final_loss = 0.0123", shown.ToString());
            Results.Publish("path", "offline");
        });
        Assert.Equal(0.012345, (double)seen["final_loss"]);
        Assert.Equal("offline", seen["path"]);
        Assert.Equal(0.012345, (double)Results.All["final_loss"]);
    }

    [Fact]
    public void Bad_result_names_and_values_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Results.Publish("has space", 1.0));
        Assert.Throws<ArgumentException>(() => Results.Publish("nan_value", double.NaN));
    }

    [Fact]
    public void Parameters_take_runner_overrides_and_report_declarations()
    {
        var declared = new Dictionary<string, string>();
        AppDomain.CurrentDomain.SetData(Host.Keys.DeclareParameter, new Action<string, string>((n, v) => declared[n] = v));
        try
        {
            WithData(Host.Keys.Parameters, new Dictionary<string, string> { ["EPOCHS"] = "7", ["lr"] = "0.5", ["fast"] = "true" }, () =>
            {
                Assert.Equal(7, Parameters.Get("epochs", 100));
                Assert.Equal(0.5, Parameters.Get("lr", 1e-3));
                Assert.True(Parameters.Get("fast", false));
                Assert.Equal(64, Parameters.Get("batch", 64));
                Assert.Throws<ArgumentException>(() => Parameters.Get("lr", 1)); // "0.5" is not an int
            });
        }
        finally { AppDomain.CurrentDomain.SetData(Host.Keys.DeclareParameter, null); }
        Assert.Equal("7", declared["epochs"]);
        Assert.Equal("64", declared["batch"]);
    }

    [Fact]
    public void Display_goes_through_the_runner_and_can_be_updated()
    {
        var outputs = new List<object?>();
        Func<object?, string?, Action<object?>> display = (v, _) =>
        {
            int slot = outputs.Count;
            outputs.Add(v);
            return nv => outputs[slot] = nv;
        };
        WithData(Host.Keys.Display, display, () =>
        {
            AppDomain.CurrentDomain.SetData(Host.Keys.Host, "runner");
            try
            {
                Assert.Equal(HostKind.Runner, Host.Kind);
                var handle = Host.Display("first");
                Host.Display("second");
                handle.Update("replaced");
            }
            finally { AppDomain.CurrentDomain.SetData(Host.Keys.Host, null); }
        });
        Assert.Equal(new object?[] { "replaced", "second" }, outputs);
    }

    [Fact]
    public void Headless_progress_prints_lines_and_a_final_done()
    {
        var original = Console.Out;
        var captured = new StringWriter();
        Console.SetOut(captured);
        try
        {
            using (var p = Progress.Start("work", 4, headlessIntervalSeconds: 3600))
                for (int i = 1; i <= 4; i++) p.Report(i, $"step {i}");
        }
        finally { Console.SetOut(original); }
        var lines = captured.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length); // the first report, then the final state
        Assert.StartsWith("work: 1/4", lines[0]);
        Assert.Contains("4/4 (100%)", lines[1]);
        Assert.EndsWith("done", lines[1].TrimEnd());
    }
}
