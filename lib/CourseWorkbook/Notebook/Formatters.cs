using System.Net;
using System.Text;
using Microsoft.Data.Analysis;
using Microsoft.DotNet.Interactive.Formatting;
using TorchSharp;

namespace CourseWorkbook.Notebook;

/// <summary>
/// Display formatters for the workbook's types, so they render the same in VS Code and in the runner.
/// </summary>
public static class Formatters
{
    static bool registered;

    /// <summary>Registers the formatters once per process (Workbook.Init and the first display call it).</summary>
    public static void EnsureRegistered()
    {
        if (registered) return;
        registered = true;
        Register();
    }

    /// <summary>
    /// Registers the formatters (idempotent in effect: a later registration replaces an earlier one).
    /// </summary>
    public static void Register()
    {
        Formatter.Register<torch.Tensor>((t, w) => w.Write(TensorText(t)), "text/plain");
        Formatter.Register<torch.Tensor>((t, w) => w.Write($"<pre>{WebUtility.HtmlEncode(TensorText(t))}</pre>"),
            "text/html");
        Formatter.Register<DataFrame>((df, w) => w.Write(DataFrameHtml(df)), "text/html");
        Formatter.Register<DataFrame>((df, w) => w.Write(df.ToString()), "text/plain");
        Formatter.Register<EnvironmentReport>(
            (r, w) => w.Write(Table(["item", "value"], r.Rows().Select(x => new[] { x.Item, x.Value }))), "text/html");
        Formatter.Register<EnvironmentReport>((r, w) => w.Write(r.ToString()), "text/plain");
        Formatter.Register<PublishedResult>(
            (r, w) => w.Write($"<div><b>📌 {WebUtility.HtmlEncode(r.ToString())}</b></div>"), "text/html");
        Formatter.Register<PublishedResult>((r, w) => w.Write(r.ToString()), "text/plain");
        Formatter.Register<PublishedResults>((r, w) => w.Write(string.Concat(r.Items.Select(i =>
            $"<div><b>📌 {WebUtility.HtmlEncode(i.ToString())}</b></div>"))), "text/html");
        Formatter.Register<PublishedResults>((r, w) => w.Write(r.ToString()), "text/plain");
        Formatter.Register<PublishedResults>((r, w) => w.Write(r.ToJson()), Host.MimeTypes.Results);
        Formatter.Register<ParameterSet>((p, w) => w.Write(p.ToTable().ToHtml()), "text/html");
        Formatter.Register<ParameterSet>((p, w) => w.Write(p.ToString()), "text/plain");
        Formatter.Register<ParameterSet>((p, w) => w.Write(p.ToJson()), Host.MimeTypes.Parameters);
        Formatter.SetPreferredMimeTypesFor(typeof(ParameterSet), ParameterSet.DisplayMimeTypes);
        Formatter.Register<ProgressView>((p, w) => w.Write(p.ToHtml()), "text/html");
        Formatter.Register<ProgressView>((p, w) => w.Write(p.Line), "text/plain");
        Formatter.Register<Table>((t, w) => w.Write(t.ToHtml()), "text/html");
        Formatter.Register<Table>((t, w) => w.Write(t.ToString()), "text/plain");
        Formatter.Register<ImageGallery>((g, w) => w.Write(g.ToHtml()), "text/html");
        Formatter.Register<ImageGallery>((g, w) => w.Write(g.ToString()), "text/plain");
        Plotting.ChartFormatting.Register();
    }

    /// <summary>A tensor as text: shape, dtype and (for up to 64 elements) its values.</summary>
    public static string TensorText(torch.Tensor t)
    {
        var head = $"tensor {{{string.Join(", ", t.shape)}}} {t.dtype}";
        if (t.numel() > 64) return head;
        return head + Environment.NewLine + t.ToString(TensorStringStyle.Numpy);
    }

    /// <summary>An HTML table of the first <paramref name="maxRows"/> rows of a DataFrame.</summary>
    public static string DataFrameHtml(DataFrame df, int maxRows = 25)
    {
        var header = df.Columns.Select(c => c.Name).ToArray();
        var rows = new List<string[]>();
        for (long i = 0; i < Math.Min(df.Rows.Count, maxRows); i++)
            rows.Add(df.Rows[i].Select(v => v switch
            {
                float f => f.ToString("G5"),
                double d => d.ToString("G6"),
                _ => v?.ToString() ?? "",
            }).ToArray());
        var html = Table(header, rows);
        return df.Rows.Count > maxRows
            ? html + $"<div>… {df.Rows.Count - maxRows} more rows ({df.Rows.Count} in all)</div>" : html;
    }

    /// <summary>A plain HTML table.</summary>
    public static string Table(IEnumerable<string> header, IEnumerable<string[]> rows)
    {
        var sb = new StringBuilder("<table><thead><tr>");
        foreach (var h in header) sb.Append("<th>").Append(WebUtility.HtmlEncode(h)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var row in rows)
        {
            sb.Append("<tr>");
            foreach (var cell in row) sb.Append("<td>").Append(WebUtility.HtmlEncode(cell)).Append("</td>");
            sb.Append("</tr>");
        }
        return sb.Append("</tbody></table>").ToString();
    }
}
