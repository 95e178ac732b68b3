using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CourseWorkbook.Runner.Output;

/// <summary>Writes the run's summary.json (machine-readable) and summary.md (for people and CI pages).</summary>
public static class SummaryWriter
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// summary.json: {"status","seconds","notebooks":[{path,status,seconds,cells:[...],results,...}],"overhead":{...}}.
    /// </summary>
    public static string Json(IReadOnlyList<NotebookRecord> notebooks, double seconds)
    {
        using var buffer = new MemoryStream();
        var writerOptions = new JsonWriterOptions
        {
            Indented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        using (var json = new Utf8JsonWriter(buffer, writerOptions))
        {
            json.WriteStartObject();
            json.WriteString("status",
                notebooks.All(n => n.Status == CellStatus.Passed) ? CellStatus.Passed : CellStatus.Failed);
            json.WriteNumber("seconds", Round(seconds));
            json.WriteStartArray("notebooks");
            foreach (var notebook in notebooks) WriteNotebook(json, notebook);
            json.WriteEndArray();
            var overhead = Overhead.Of(notebooks);
            json.WriteStartObject("overhead");
            WriteOptional(json, "medianTrivialCellMs", overhead.MedianTrivialCellMs);
            json.WriteNumber("trivialCellsMeasured", overhead.CellsMeasured);
            WriteOptional(json, "medianKernelStartMs", overhead.MedianKernelStartMs);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteNotebook(Utf8JsonWriter json, NotebookRecord notebook)
    {
        json.WriteStartObject();
        json.WriteString("path", notebook.Path);
        json.WriteString("name", notebook.Name);
        json.WriteString("status", notebook.Status);
        json.WriteNumber("seconds", Round(notebook.Seconds));
        WriteOptional(json, "kernelStartMs", notebook.KernelStartMs);
        json.WriteStartArray("trivialCellMs");
        foreach (var ms in notebook.TrivialCellMs) json.WriteNumberValue(Math.Round(ms, 1));
        json.WriteEndArray();
        json.WriteStartArray("cells");
        foreach (var cell in notebook.Cells)
        {
            json.WriteStartObject();
            json.WriteNumber("index", cell.Index);
            json.WriteString("kind", cell.Kind);
            json.WriteNumber("firstLine", cell.Cell.FirstLine);
            json.WriteString("status", cell.Status);
            json.WriteNumber("seconds", Round(cell.Seconds));
            if (cell.Error is null) json.WriteNull("error");
            else json.WriteString("error", cell.Error);
            if (cell.ErrorLine is { } line) json.WriteNumber("errorLine", line);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartObject("results");
        foreach (var (name, value) in notebook.Results)
        {
            switch (value)
            {
                case long l: json.WriteNumber(name, l); break;
                case double d: json.WriteNumber(name, d); break;
                default: json.WriteString(name, value.ToString()); break;
            }
        }

        json.WriteEndObject();
        json.WriteStartObject("parameters");
        foreach (var (name, value) in notebook.DeclaredParameters) json.WriteString(name, value);
        json.WriteEndObject();
        json.WriteStartArray("warnings");
        foreach (var warning in notebook.Warnings) json.WriteStringValue(warning);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>summary.md: a table per notebook, published results, warnings, and the runner's overhead.</summary>
    public static string Markdown(IReadOnlyList<NotebookRecord> notebooks, double seconds)
    {
        var md = new StringBuilder();
        var passed = notebooks.Count(n => n.Status == CellStatus.Passed);
        md.Append($"# Notebook run: {passed}/{notebooks.Count} passed in {S(seconds)} s\n\n");
        md.Append("| notebook | status | seconds | code cells |\n|---|---|---:|---:|\n");
        foreach (var n in notebooks)
            md.Append($"| {Cell(n.Path)} | {n.Status} | {S(n.Seconds)} | {n.Cells.Count(c => c.IsCode)} |\n");

        foreach (var n in notebooks)
        {
            md.Append($"\n## {Cell(n.Name)} — {n.Status} ({S(n.Seconds)} s)\n\n");
            md.Append("| cell | kind | line | status | seconds | error |\n");
            md.Append("|---:|---|---:|---|---:|---|\n");
            foreach (var c in n.Cells.Where(c => c.IsCode))
                md.Append($"| {c.Index} | {c.Kind} | {c.Cell.FirstLine} | {c.Status} | {S(c.Seconds)} "
                    + $"| {Cell(c.Error ?? "")} |\n");

            if (n.Results.Count > 0)
            {
                md.Append("\n**Published results**\n\n| name | value |\n|---|---:|\n");
                foreach (var (name, value) in n.Results)
                    md.Append($"| {Cell(name)} | {Cell(Convert.ToString(value, Invariant) ?? "")} |\n");
            }

            if (n.Warnings.Count > 0)
            {
                md.Append("\n**Warnings**\n\n");
                foreach (var w in n.Warnings) md.Append($"- {w}\n");
            }
        }

        var overhead = Overhead.Of(notebooks);
        md.Append("\n## Kernel start and per-cell overhead\n\n");
        md.Append("Each notebook runs in its own .NET Interactive kernel process. ");
        md.Append("Kernel start = from starting the process to its KernelReady event. ");
        md.Append("Per-cell overhead = the wall time of a trivial cell (`0`), from the runner ");
        md.Append("writing the command to reading its completion, timed after the notebook passed (warm kernel): ");
        md.Append("it is what any cell costs on top of its own work, runner and kernel together.\n\n");
        md.Append(overhead.MedianTrivialCellMs is { } median
            ? $"- Median per-cell overhead: **{median:0.0} ms** over {overhead.CellsMeasured} trivial cells "
                + "(target ≤ 50 ms).\n"
            : "- Median per-cell overhead: not measured (no notebook passed).\n");
        if (overhead.MedianKernelStartMs is { } start) md.Append($"- Median kernel start: {start:0} ms.\n");
        md.Append("\n| notebook | kernel start ms | first code cell s | trivial cell ms (median) |\n");
        md.Append("|---|---:|---:|---:|\n");
        foreach (var n in notebooks)
        {
            var first = n.Cells.FirstOrDefault(c => c.IsCode && c.Status != CellStatus.Skipped);
            md.Append($"| {Cell(n.Name)} | {Ms(n.KernelStartMs)} | {(first is null ? "" : S(first.Seconds))} "
                + $"| {Ms(Overhead.Median(n.TrivialCellMs))} |\n");
        }

        return md.ToString();
    }

    private static string S(double seconds) => seconds.ToString("0.00", Invariant);
    private static string Ms(double? ms) => ms is { } v ? v.ToString("0", Invariant) : "";
    private static double Round(double v) => Math.Round(v, 3);

    private static void WriteOptional(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v) json.WriteNumber(name, Math.Round(v, 1));
    }

    // One line, pipes escaped, so any text fits in a markdown table cell.
    private static string Cell(string text)
    {
        var line = text.Replace("\r", "").Split('\n')[0].Replace("|", "\\|");
        return line.Length > 160 ? line[..157] + "..." : line;
    }
}

/// <summary>
/// The per-cell overhead (median trivial cell) and the median kernel start over the notebooks of a run.
/// </summary>
public sealed record Overhead(double? MedianTrivialCellMs, int CellsMeasured, double? MedianKernelStartMs)
{
    public static Overhead Of(IEnumerable<NotebookRecord> notebooks)
    {
        var list = notebooks.ToList();
        var trivial = list.SelectMany(n => n.TrivialCellMs).ToList();
        return new Overhead(Median(trivial), trivial.Count,
            Median(list.Where(n => n.KernelStartMs is not null).Select(n => n.KernelStartMs!.Value)));
    }

    /// <summary>The median, or null for no values.</summary>
    public static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) return null;
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
