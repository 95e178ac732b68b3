using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CourseWorkbook.Runner.Output;

/// <summary>Writes the run's summary.json (machine-readable) and summary.md (for people and CI pages).</summary>
public static class SummaryWriter
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>summary.json: {"status","seconds","notebooks":[{path,status,seconds,cells:[...],results,...}],"overhead":{...}}.</summary>
    public static string Json(IReadOnlyList<NotebookRecord> notebooks, double seconds)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("status", notebooks.All(n => n.Status == CellStatus.Passed) ? CellStatus.Passed : CellStatus.Failed);
            json.WriteNumber("seconds", Round(seconds));
            json.WriteStartArray("notebooks");
            foreach (var notebook in notebooks) WriteNotebook(json, notebook);
            json.WriteEndArray();
            var overhead = Overhead.Of(notebooks);
            json.WriteStartObject("overhead");
            WriteOptional(json, "medianOverheadMs", overhead.MedianOverheadMs);
            WriteOptional(json, "medianCompileMs", overhead.MedianCompileMs);
            json.WriteNumber("cellsMeasured", overhead.CellsMeasured);
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
        WriteOptional(json, "workerStartMs", notebook.WorkerStartMs);
        if (notebook.WorkerReadyToRun is { } r2r) json.WriteBoolean("workerReadyToRun", r2r);
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
            WriteOptional(json, "restoreMs", cell.RestoreMs);
            if (cell.RestoreFromCache is { } cached) json.WriteBoolean("restoreFromCache", cached);
            WriteOptional(json, "warmUpWaitMs", cell.WarmUpWaitMs);
            WriteOptional(json, "compileMs", cell.CompileMs);
            WriteOptional(json, "runMs", cell.RunMs);
            WriteOptional(json, "overheadMs", cell.OverheadMs);
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
            md.Append("| cell | kind | line | status | seconds | compile ms | run ms | overhead ms | error |\n");
            md.Append("|---:|---|---:|---|---:|---:|---:|---:|---|\n");
            foreach (var c in n.Cells.Where(c => c.IsCode))
            {
                md.Append($"| {c.Index} | {c.Kind} | {c.Cell.FirstLine} | {c.Status} | {S(c.Seconds)} | {Ms(c.CompileMs)} | {Ms(c.RunMs)} | {Ms(c.OverheadMs)} | {Cell(c.Error ?? "")} |\n");
            }

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
        md.Append("\n## Runner overhead\n\n");
        md.Append("Overhead of a cell = its wall time in the worker process (from taking the cell to reporting it finished, ");
        md.Append("outputs formatted and sent) minus package restore, Roslyn compile (including emit and load) and the user code's run time.\n\n");
        md.Append(overhead.MedianOverheadMs is { } median
            ? $"- Median per-cell overhead after each notebook's first code cell: **{median:0.0} ms** over {overhead.CellsMeasured} cells (target ≤ 50 ms).\n"
            : "- Median per-cell overhead: no code cells after the first one were run.\n");
        if (overhead.MedianCompileMs is { } compile)
            md.Append($"- Median Roslyn compile time of those cells (reported separately, not overhead): {compile:0.0} ms.\n");
        foreach (var n in notebooks)
        {
            if (n.Cells.FirstOrDefault(c => c.IsCode && c.CompileMs is not null) is not { } first) continue;
            var restore = first.RestoreMs > 0
                ? $"restore {first.RestoreMs:0} ms ({(first.RestoreFromCache == true ? "cache hit" : "dotnet restore")}), "
                : "";
            var flavor = n.WorkerReadyToRun switch { true => " (ReadyToRun worker)", false => " (jitted worker)", _ => "" };
            md.Append($"- {Cell(n.Name)} startup{flavor}: worker start {Ms(n.WorkerStartMs)} ms, first code cell (cell {first.Index}) {S(first.Seconds)} s: "
                + $"{restore}warm-up wait {Ms(first.WarmUpWaitMs)} ms, first compile {Ms(first.CompileMs)} ms, run {Ms(first.RunMs)} ms.\n");
            if (n.Cells.FirstOrDefault(c => c.LoadsTorchSharp && c.Status != CellStatus.Skipped) is { } torch)
                md.Append($"- {Cell(n.Name)}: first cell loading TorchSharp (cell {torch.Index}) took {S(torch.Seconds)} s.\n");
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

/// <summary>Median overhead and compile time over code cells after each notebook's first code cell.</summary>
public sealed record Overhead(double? MedianOverheadMs, double? MedianCompileMs, int CellsMeasured)
{
    public static Overhead Of(IEnumerable<NotebookRecord> notebooks)
    {
        var later = notebooks
            .SelectMany(n => n.Cells.Where(c => c.Cell.IsCSharp && c.OverheadMs is not null).Skip(1))
            .ToList();
        return new Overhead(Median(later.Select(c => c.OverheadMs!.Value)), Median(later.Select(c => c.CompileMs!.Value)), later.Count);
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
