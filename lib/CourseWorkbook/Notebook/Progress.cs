using System.Diagnostics;
using System.Net;

namespace CourseWorkbook.Notebook;

/// <summary>
/// Progress of a long cell: a bar that updates in place in the kernel (VS Code, Jupyter, the headless runner, which
/// echoes it to its log), and a line every few seconds in a console. Use
/// <c>using var p = Progress.Start("training", epochs);</c> and <c>p.Report(epoch + 1, $"loss {loss:F4}")</c>.
/// </summary>
public sealed class Progress : IDisposable
{
    /// <summary>Shortest time between two live updates: enough for the eye, cheap for the kernel.</summary>
    public static readonly TimeSpan LiveInterval = TimeSpan.FromMilliseconds(150);

    readonly string label;
    readonly int total;
    readonly Stopwatch clock = Stopwatch.StartNew();
    readonly DisplayHandle? live;
    readonly TimeSpan consoleInterval;
    TimeSpan? lastShown;
    int done;
    string? status;
    bool finished;

    Progress(string label, int total, TimeSpan consoleInterval)
    {
        this.label = label;
        this.total = Math.Max(1, total);
        this.consoleInterval = consoleInterval;
        if (Host.Kind == HostKind.DotNetInteractive) live = Host.Display(View(), ProgressView.DisplayMimeTypes);
    }

    /// <summary>Starts reporting progress over <paramref name="total"/> steps.</summary>
    public static Progress Start(string label, int total, double consoleIntervalSeconds = 3) =>
        new(label, total, TimeSpan.FromSeconds(consoleIntervalSeconds));

    /// <summary>Seconds since the start.</summary>
    public double Seconds => clock.Elapsed.TotalSeconds;

    /// <summary>Records that <paramref name="completed"/> steps are done, with an optional status text.</summary>
    public void Report(int completed, string? statusText = null)
    {
        done = Math.Clamp(completed, 0, total);
        status = statusText;
        var now = clock.Elapsed;
        var due = lastShown is not { } last || now - last >= (live is null ? consoleInterval : LiveInterval);
        if (due && done < total)
        {
            lastShown = now;
            if (live is not null) live.Update(View());
            else Console.WriteLine(View().Line);
        }

        if (done == total) Finish();
    }

    /// <summary>Shows the final state (called by Dispose).</summary>
    public void Finish()
    {
        if (finished) return;
        finished = true;
        if (live is not null) live.Update(View());
        else Console.WriteLine(View().Line + " done");
    }

    public void Dispose() => Finish();

    ProgressView View() => new(done, total,
        $"{label}: {done}/{total} ({100.0 * done / total:F0}%) {Seconds:F1}s{(status is null ? "" : " " + status)}");
}

/// <summary>What a progress bar shows: steps done out of the total, and one line of text.</summary>
public sealed record ProgressView(int Done, int Total, string Line)
{
    /// <summary>The mime types a progress bar is shown as.</summary>
    public static string[] DisplayMimeTypes { get; } = ["text/html", "text/plain"];

    public override string ToString() => Line;

    /// <summary>An HTML progress bar with the line next to it.</summary>
    public string ToHtml() =>
        $"<div><progress value=\"{Done}\" max=\"{Total}\" style=\"width:300px\"></progress> "
        + $"<span>{WebUtility.HtmlEncode(Line)}</span></div>";
}
