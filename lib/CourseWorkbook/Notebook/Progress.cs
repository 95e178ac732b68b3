using System.Diagnostics;
using System.Net;

namespace CourseWorkbook.Notebook;

/// <summary>
/// Progress of a long cell: a live bar in VS Code, a line every few seconds when headless (so a CI log or an
/// executed notebook shows that work advanced). Use <c>using var p = Progress.Start("training", epochs);</c>
/// and <c>p.Report(epoch + 1, $"loss {loss:F4}")</c>.
/// </summary>
public sealed class Progress : IDisposable
{
    readonly string label;
    readonly int total;
    readonly Stopwatch clock = Stopwatch.StartNew();
    readonly DisplayHandle? live;
    readonly TimeSpan headlessInterval;
    TimeSpan lastShown = TimeSpan.MinValue;
    int done;
    string? status;
    bool finished;

    Progress(string label, int total, TimeSpan headlessInterval)
    {
        this.label = label;
        this.total = Math.Max(1, total);
        this.headlessInterval = headlessInterval;
        if (!Host.IsHeadless) live = Host.Display(Render(), "text/html");
    }

    /// <summary>Starts reporting progress over <paramref name="total"/> steps.</summary>
    public static Progress Start(string label, int total, double headlessIntervalSeconds = 3) =>
        new(label, total, TimeSpan.FromSeconds(headlessIntervalSeconds));

    /// <summary>Seconds since the start.</summary>
    public double Seconds => clock.Elapsed.TotalSeconds;

    /// <summary>Records that <paramref name="completed"/> steps are done, with an optional status text.</summary>
    public void Report(int completed, string? statusText = null)
    {
        done = Math.Clamp(completed, 0, total);
        status = statusText;
        var now = clock.Elapsed;
        if (live is not null)
        {
            if (now - lastShown < TimeSpan.FromMilliseconds(150) && done < total) return;
            lastShown = now;
            live.Update(Render());
        }
        else if (lastShown == TimeSpan.MinValue || now - lastShown >= headlessInterval)
        {
            lastShown = now;
            Console.WriteLine(Line());
        }
        if (done == total) Finish();
    }

    /// <summary>Shows the final state (called by Dispose).</summary>
    public void Finish()
    {
        if (finished) return;
        finished = true;
        if (live is not null) live.Update(Render());
        else Console.WriteLine(Line() + " done");
    }

    public void Dispose() => Finish();

    string Line() => $"{label}: {done}/{total} ({100.0 * done / total:F0}%) {Seconds:F1}s{(status is null ? "" : " " + status)}";

    Microsoft.AspNetCore.Html.HtmlString Render() => new(
        $"<div><progress value=\"{done}\" max=\"{total}\" style=\"width:300px\"></progress> " +
        $"<span>{WebUtility.HtmlEncode(Line())}</span></div>");
}
